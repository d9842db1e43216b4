import { describe, expect, it } from 'vitest';
import { overlayStyle, pictureRole } from '../../../renderer/dashboard/Pictures';
import { segmentationUnet } from '../../../nodes/templates/segmentation-unet';
import { installCatalog } from '../../../renderer/editor/catalog';
import { nodeLibrary } from '../../../nodes/library';

installCatalog(nodeLibrary);

describe('sample pictures', () => {
  it('tells inputs from targets by the wires of the graph that trained', () => {
    const graph = segmentationUnet.build();
    expect(pictureRole(graph, { nodeId: 'data', port: 'image' })).toBe('input');
    const target = graph.edges.find((e) => e.from.node === 'data' && e.to.port === 'target')!;
    expect(pictureRole(graph, { nodeId: 'data', port: target.from.port })).toBe('target');
    expect(pictureRole(graph, { nodeId: 'classifier', port: 'output' })).toBe('output');
  });

  it('lays class maps and heatmaps over the input, and leaves images alone', () => {
    expect(overlayStyle({ kind: 'labels', shape: ['N', 64, 64], dtype: 'int32' })).toBe('classes');
    expect(overlayStyle({ kind: 'image', shape: ['N', 64, 64, 4], dtype: 'float32' })).toBe('classes');
    expect(overlayStyle({ kind: 'mask', shape: ['N', 64, 64, 3], dtype: 'float32' })).toBe('classes');
    expect(overlayStyle({ kind: 'heatmap', shape: ['N', 16, 16, 5], dtype: 'float32' })).toBe('heat');
    expect(overlayStyle({ kind: 'image', shape: ['N', 64, 64, 3], dtype: 'float32' })).toBeUndefined();
    expect(overlayStyle({ kind: 'image', shape: ['N', 64, 64, 1], dtype: 'float32' })).toBeUndefined();
    expect(overlayStyle(undefined)).toBeUndefined();
  });
});
