/**
 * Reusable pieces of template graphs, written with the graph builder so a
 * template reads like the architecture it reproduces.
 */
import type { GraphBuilder } from '../../core/graph/builder';

export interface UnetOptions {
  /** Number of stride-2 downs; the input side must be divisible by 2^depth (pix2pix: log2 of the size). */
  depth: number;
  /** Filters of the outermost level (pix2pix's ngf). */
  ngf: number;
  outChannels: number;
  /** Prefix of the node ids, so two U-Nets can share a graph. */
  prefix: string;
}

/**
 * pix2pix's UnetGenerator with BatchNorm: 4×4 stride-2 convs with
 * LeakyReLU 0.2 going down (no norm on the outermost and innermost downs),
 * ReLU + 4×4 stride-2 transposed convs going up, skip concatenations,
 * dropout 0.5 in the ngf·8 up blocks between level 4 and the innermost, and
 * tanh at the end. Biases only where no norm follows, as in the reference.
 * Returns the ids of all nodes it added and the port its image comes out of.
 */
export function addUnet(g: GraphBuilder, source: string, o: UnetOptions): { nodes: string[]; output: string } {
  const nodes: string[] = [];
  const track = (id: string) => {
    nodes.push(id);
    return id;
  };
  const channelsAt = (level: number) => o.ngf * Math.min(2 ** level, 8);
  const id = (name: string, level: number) => `${o.prefix}${name}${level}`;

  const block = (input: string, inChannels: number, level: number): string => {
    const outermost = level === 0;
    const innermost = level === o.depth - 1;
    const channels = channelsAt(level);
    let x = input;
    if (!outermost) x = `${track(g.op('leaky_relu', { input: x }, { negativeSlope: 0.2 }, id('down_act', level)))}.output`;
    x = `${track(g.op('conv2d', { input: x }, { outChannels: channels, kernelSize: 4, stride: 2, padding: 1, bias: false }, id('down_conv', level)))}.output`;
    if (!outermost && !innermost) x = `${track(g.op('batchnorm2d', { input: x }, {}, id('down_norm', level)))}.output`;
    if (!innermost) x = block(x, channels, level + 1);
    x = `${track(g.op('relu', { input: x }, {}, id('up_act', level)))}.output`;
    x = `${track(
      g.op(
        'conv_transpose2d',
        { input: x },
        { outChannels: outermost ? o.outChannels : inChannels, kernelSize: 4, stride: 2, padding: 1, outputPadding: 0, bias: outermost },
        id('up_conv', level),
      ),
    )}.output`;
    if (outermost) return `${track(g.op('tanh', { input: x }, {}, `${o.prefix}out`))}.output`;
    x = `${track(g.op('batchnorm2d', { input: x }, {}, id('up_norm', level)))}.output`;
    if (level >= 4 && !innermost) x = `${track(g.op('dropout', { input: x }, { p: 0.5 }, id('up_dropout', level)))}.output`;
    return `${track(g.op('concat', { a: input, b: x }, {}, id('skip', level)))}.output`;
  };

  return { nodes, output: block(source, 0, 0) };
}
