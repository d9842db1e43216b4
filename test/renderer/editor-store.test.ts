import { describe, expect, it } from 'vitest';
import { MAIN_MODULE, type GraphDocument } from '../../core/graph/schema';
import { formatValueType } from '../../core/types';
import { blankGraph } from '../../renderer/app/files';
import { createEditorStore, isDirty } from '../../renderer/editor/editor-store';
import { edgeId, setLossTerm, setOptimizerLr, toggleOptimizerModule } from '../../renderer/editor/edits';
import { cgan } from '../../nodes/templates/cgan';
import { perceptual } from '../../nodes/templates/perceptual';
import { installCatalog } from '../../renderer/editor/catalog';
import { nodeLibrary } from '../../nodes/library';

installCatalog(nodeLibrary);

/** The blank graph: data → flatten → classifier (linear) → loss, with data.labels → loss.target. */
function setup(doc: GraphDocument = blankGraph()) {
  const store = createEditorStore(doc, { name: 'test.json', path: '/ws/test.json' });
  return { store, s: () => store.getState() };
}

const edgesInto = (doc: GraphDocument, node: string) => doc.edges.filter((e) => e.to.node === node);
const shapeOf = (doc: GraphDocument, store: ReturnType<typeof setup>['store'], node: string, port = 'output') =>
  formatValueType(store.getState().analysis.inferred[node]?.outputs[port]);

describe('undo grouping', () => {
  it('undoes a drag of several nodes in one step, whatever the number of intermediate positions', () => {
    const { s } = setup();
    const before = s().doc;
    s().select(['flatten', 'classifier']);
    s().beginDrag();
    for (let i = 1; i <= 5; i++) s().dragTo({ flatten: { x: 10 * i, y: 5 * i }, classifier: { x: 300 + 10 * i, y: 5 * i } });
    s().endDrag();
    expect(s().past).toHaveLength(1);
    expect(s().doc.layout.nodes.flatten).toEqual({ x: 50, y: 25 });
    s().undo();
    expect(s().doc).toBe(before);
    expect(isDirty(s())).toBe(false);
    s().redo();
    expect(s().doc.layout.nodes.classifier).toEqual({ x: 350, y: 25 });
    expect(isDirty(s())).toBe(true);
  });

  it('undoes a multi-node delete, with the wires and optimizer references it removed, in one step', () => {
    const { s } = setup();
    const before = s().doc;
    s().select(['flatten', 'classifier']);
    s().deleteSelection();
    expect(s().doc.nodes.map((n) => n.id)).toEqual(['data', 'loss']);
    expect(s().doc.edges.map(edgeId)).toEqual(['data.labels->loss.target']);
    expect(s().selectedNodes).toEqual([]);
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(s().doc).toBe(before);
    expect(s().future).toHaveLength(1);
  });

  it('records nothing for an edit that changes nothing, and a new edit clears the redo list', () => {
    const { s } = setup();
    s().setParam('classifier', 'outFeatures', 3);
    expect(s().past).toHaveLength(0);
    s().setParam('classifier', 'outFeatures', 5);
    s().undo();
    expect(s().future).toHaveLength(1);
    s().setParam('classifier', 'bias', false);
    expect(s().future).toHaveLength(0);
    expect(s().past).toHaveLength(1);
  });

  it('keeps the shapes of a moved graph without recomputing them', () => {
    const { s } = setup();
    const analysis = s().analysis;
    s().moveNodes({ loss: { x: 900, y: 0 } });
    expect(s().analysis).toBe(analysis);
    s().setParam('classifier', 'outFeatures', 5);
    expect(s().analysis).not.toBe(analysis);
  });
});

describe('deleting nodes cleans every reference to them', () => {
  it('drops a deleted loss from its optimizer, leaving an error that names the fix, and undo restores both in one step', () => {
    const { s } = setup();
    const before = s().doc;
    s().select(['loss']);
    s().deleteSelection();
    expect(s().doc.training.optimizers[0].losses).toEqual([]);
    const problem = s().analysis.problems.find((p) => p.code === 'optimizer-no-loss');
    expect(problem?.message).toMatch(/^optimizer 'adam' minimises no loss; add a loss node/);
    expect(s().analysis.problems.some((p) => p.code === 'loss-unknown-node')).toBe(false);
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(s().doc).toBe(before);
  });

  it('keeps the other losses of a GAN optimizer, and lets the inspector add, reweight and remove terms', () => {
    const { s } = setup(cgan.build());
    s().select(['D_loss_fake']);
    s().deleteSelection();
    const adamD = () => s().doc.training.optimizers.find((o) => o.id === 'adam_D')!;
    expect(adamD().losses).toEqual([{ node: 'D_loss_real', weight: 1 }]);
    expect(s().apply(setLossTerm(s().doc, 'adam_D', 'G_loss', 2)).ok).toBe(true);
    expect(adamD().losses).toEqual([{ node: 'D_loss_real', weight: 1 }, { node: 'G_loss', weight: 2 }]);
    expect(s().apply(setLossTerm(s().doc, 'adam_D', 'G_loss', 0.5)).ok).toBe(true);
    expect(adamD().losses[1]).toEqual({ node: 'G_loss', weight: 0.5 });
    expect(s().apply(setLossTerm(s().doc, 'adam_D', 'D_loss_real', 0)).ok).toBe(true);
    expect(s().apply(setLossTerm(s().doc, 'adam_D', 'G_loss', 0)).ok).toBe(true);
    expect(adamD().losses).toEqual([]);
    const refused = s().apply(setLossTerm(s().doc, 'adam_D', 'G_loss', -1));
    expect(refused.ok ? '' : refused.reason).toBe('a loss weight must be a number ≥ 0, got -1');
  });

  it('gives nodes that borrowed a deleted node\'s weights their own again', () => {
    const { s } = setup(cgan.build());
    expect(s().doc.nodes.find((n) => n.id === 'D_fake')?.shareWeightsWith).toBeUndefined();
    expect(s().doc.nodes.find((n) => n.id === 'D_real')?.shareWeightsWith).toBe('D_fake');
    s().select(['D_fake']);
    s().deleteSelection();
    const real = s().doc.nodes.find((n) => n.id === 'D_real')!;
    expect('shareWeightsWith' in real).toBe(false);
    expect(s().analysis.problems.filter((p) => p.message.includes("'D_fake'"))).toEqual([]);
    expect(s().doc.modules.every((m) => !m.nodes.includes('D_fake'))).toBe(true);
    expect(s().past).toHaveLength(1);
  });
});

describe('honest cues', () => {
  it('warns about a learning rate far outside the usual range before Run, without blocking it', () => {
    const { s } = setup();
    const unusual = () => s().analysis.problems.filter((p) => p.code === 'unusual-learning-rate');
    expect(unusual()).toEqual([]);
    expect(s().apply(setOptimizerLr(s().doc, 'adam', 1e6)).ok).toBe(true);
    expect(unusual()).toHaveLength(1);
    expect(unusual()[0]).toMatchObject({ severity: 'warning' });
    expect(unusual()[0].message).toMatch(/^optimizer 'adam' \(adam\) has learning rate 1000000, far above the usual 1e-7–0.1; training is likely to diverge/);
    expect(s().analysis.errorCount).toBe(0);
    expect(s().apply(setOptimizerLr(s().doc, 'adam', 1e-12)).ok).toBe(true);
    expect(unusual()[0].message).toMatch(/far below the usual .*not move/);
    expect(s().apply(setOptimizerLr(s().doc, 'adam', 2e-4)).ok).toBe(true);
    expect(unusual()).toEqual([]);
  });
});

describe('copy and paste', () => {
  it('pastes copies with fresh ids and no incoming wires by default', () => {
    const { s } = setup();
    s().select(['classifier']);
    expect(s().copySelection()).toBe(true);
    const ids = s().paste({ keepIncoming: false, at: { x: 500, y: 500 } });
    expect(ids).toEqual(['linear_1']);
    expect(s().doc.nodes.find((n) => n.id === 'linear_1')?.params).toEqual(s().doc.nodes.find((n) => n.id === 'classifier')?.params);
    expect(edgesInto(s().doc, 'linear_1')).toEqual([]);
    expect(s().doc.layout.nodes.linear_1).toEqual({ x: 500, y: 500 });
    expect(s().selectedNodes).toEqual(['linear_1']);
  });

  it('keeps incoming wires with Ctrl+Shift+V, so the copy is fed by the same source', () => {
    const { store, s } = setup();
    s().select(['classifier']);
    s().copySelection();
    const [copy] = s().paste({ keepIncoming: true });
    expect(edgesInto(s().doc, copy).map(edgeId)).toEqual([`flatten.output->${copy}.input`]);
    // The copy is typed like the original, since it sees the same input.
    expect(shapeOf(s().doc, store, copy)).toBe(shapeOf(s().doc, store, 'classifier'));
  });

  it('rewires the wires between copied nodes to the copies and offsets repeated pastes', () => {
    const { s } = setup();
    s().select(['flatten', 'classifier']);
    s().copySelection();
    const first = s().paste({ keepIncoming: false });
    const second = s().paste({ keepIncoming: false });
    expect(first).toEqual(['flatten_1', 'linear_1']);
    expect(second).toEqual(['flatten_2', 'linear_2']);
    expect(s().doc.edges.map(edgeId)).toContain('flatten_1.output->linear_1.input');
    expect(s().doc.edges.map(edgeId)).toContain('flatten_2.output->linear_2.input');
    const original = s().doc.layout.nodes.flatten;
    expect(s().doc.layout.nodes.flatten_1).toEqual({ x: original.x + 40, y: original.y + 40 });
    expect(s().doc.layout.nodes.flatten_2).toEqual({ x: original.x + 80, y: original.y + 80 });
    s().undo();
    expect(s().doc.nodes.some((n) => n.id === 'flatten_2')).toBe(false);
    expect(s().doc.nodes.some((n) => n.id === 'flatten_1')).toBe(true);
  });

  it('does not keep a wire whose source was deleted after copying', () => {
    const { s } = setup();
    s().select(['classifier']);
    s().copySelection();
    s().select(['flatten']);
    s().deleteSelection();
    const [copy] = s().paste({ keepIncoming: true });
    expect(edgesInto(s().doc, copy)).toEqual([]);
  });
});

describe('modules', () => {
  it('groups the selection into a named module that the same optimizer keeps training', () => {
    const { s } = setup();
    s().select(['flatten', 'classifier']);
    const moduleId = s().groupSelection('Head');
    expect(moduleId).toBe('module_1');
    expect(s().doc.modules).toEqual([{ id: 'module_1', name: 'Head', nodes: ['flatten', 'classifier'] }]);
    expect(s().doc.training.optimizers[0].modules).toEqual([MAIN_MODULE, 'module_1']);
    expect(s().selectedModule).toBe('module_1');
    expect(s().analysis.problems.filter((p) => p.code === 'module-not-optimized')).toEqual([]);
    s().undo();
    expect(s().doc.modules).toEqual([]);
  });

  it('moves nodes out of their old module, dropping a module left empty', () => {
    const { s } = setup();
    s().select(['classifier']);
    const first = s().groupSelection('A')!;
    s().select(['classifier', 'flatten']);
    const second = s().groupSelection('B')!;
    expect(s().doc.modules.map((m) => m.id)).toEqual([second]);
    expect(s().doc.modules[0].nodes).toEqual(['classifier', 'flatten']);
    expect(s().doc.training.optimizers[0].modules).not.toContain(first);
    expect(s().doc.training.optimizers[0].modules).toContain(second);
  });

  it('collapses, renames and ungroups, each one undo step', () => {
    const { s } = setup();
    s().select(['flatten', 'classifier']);
    const id = s().groupSelection('Head')!;
    s().setModuleCollapsed(id, true);
    expect(s().doc.layout.modules[id]).toEqual({ collapsed: true });
    s().renameModule(id, '  Classifier head ');
    expect(s().doc.modules[0].name).toBe('Classifier head');
    s().ungroup(id);
    expect(s().doc.modules).toEqual([]);
    expect(s().doc.layout.modules[id]).toBeUndefined();
    expect(s().doc.training.optimizers[0].modules).toEqual([MAIN_MODULE]);
    expect(s().selectedNodes).toEqual(['flatten', 'classifier']);
    expect(s().past).toHaveLength(4);
  });

  it('deletes a selected module with all its nodes in one step', () => {
    const { s } = setup();
    s().select(['flatten', 'classifier']);
    const id = s().groupSelection('Head')!;
    s().selectModule(id);
    s().deleteSelection();
    expect(s().doc.nodes.map((n) => n.id)).toEqual(['data', 'loss']);
    expect(s().doc.modules).toEqual([]);
    s().undo();
    expect(s().doc.modules.map((m) => m.id)).toEqual([id]);
  });

  it('copies a module selection as its member nodes', () => {
    const { s } = setup();
    s().select(['flatten', 'classifier']);
    const id = s().groupSelection('Head')!;
    s().selectModule(id);
    s().copySelection();
    expect(s().clipboard?.nodes.map((n) => n.id)).toEqual(['flatten', 'classifier']);
  });
});

describe('param edits', () => {
  it('refuses a value outside the spec with its reason and leaves the graph as it was', () => {
    const { s } = setup();
    const before = s().doc;
    const outcome = s().setParam('classifier', 'outFeatures', 0);
    expect(outcome).toEqual({ ok: false, reason: 'outFeatures must be ≥ 1, got 0' });
    expect(s().doc).toBe(before);
    expect(s().past).toHaveLength(0);
    expect(s().setParam('classifier', 'outFeatures', 2.5)).toEqual({ ok: false, reason: 'outFeatures must be a whole number, got 2.5' });
    expect(s().setParam('classifier', 'bias', 'yes')).toEqual({ ok: false, reason: 'bias must be true or false, got "yes"' });
    expect(s().setParam('classifier', 'nonsense', 1)).toEqual({ ok: false, reason: "Linear (dense) 'classifier' has no param 'nonsense'" });
  });

  it('applies a valid value and updates the shapes downstream in the same step', () => {
    const { store, s } = setup();
    expect(shapeOf(s().doc, store, 'classifier')).toBe('N×3');
    expect(s().setParam('classifier', 'outFeatures', 7).ok).toBe(true);
    expect(shapeOf(s().doc, store, 'classifier')).toBe('N×7');
    // The loss now sees 7 logits against 3 labels and says so on its node.
    const lossProblems = s().analysis.byNode.get('loss') ?? [];
    expect(lossProblems.map((p) => p.code)).toContain('shape-mismatch');
    s().undo();
    expect(s().analysis.byNode.get('loss')).toBeUndefined();
  });
});

describe('wiring', () => {
  it('refuses wires the engine forbids (a cycle, incompatible kinds) with its reason', () => {
    const { s } = setup();
    const before = s().doc;
    const outcome = s().connect({ from: { node: 'loss', port: 'loss' }, to: { node: 'flatten', port: 'input' } });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.code).toBe('would-create-cycle');
    }
    const kinds = s().connect({ from: { node: 'data', port: 'boxes' }, to: { node: 'classifier', port: 'input' } });
    expect(kinds.ok).toBe(false);
    if (!kinds.ok) expect(kinds.reason).toMatch(/accepts vector or image/);
    expect(s().doc).toBe(before);
  });

  it('replaces the wire of an occupied input in one step', () => {
    const { s } = setup();
    const outcome = s().connect({ from: { node: 'data', port: 'image' }, to: { node: 'loss', port: 'input' } });
    expect(outcome.ok).toBe(true);
    expect(edgesInto(s().doc, 'loss').map(edgeId).sort()).toEqual(['data.image->loss.input', 'data.labels->loss.target']);
    s().undo();
    expect(edgesInto(s().doc, 'loss').map(edgeId).sort()).toEqual(['classifier.output->loss.input', 'data.labels->loss.target']);
  });
});

describe('frozen modules', () => {
  const codes = (s: () => { analysis: { problems: { code: string }[] } }) => s().analysis.problems.map((p) => p.code);

  /** The blank graph with classifier grouped into 'module_1' and no optimizer updating it: one module-not-optimized warning. */
  function untrainedModule() {
    const t = setup();
    t.s().select(['classifier']);
    const id = t.s().groupSelection('Head')!;
    t.s().apply(toggleOptimizerModule(t.s().doc, 'adam', id, false));
    return { ...t, id };
  }

  it('freezing an untrained module silences its warning in one undoable step, and unfreezing writes no flag', () => {
    const { s, id } = untrainedModule();
    expect(codes(s)).toEqual(['module-not-optimized']);
    const history = s().past.length;
    const outcome = s().setModuleFrozen(id, true);
    expect(outcome.ok).toBe(true);
    expect(s().doc.modules[0]).toEqual({ id, name: 'Head', nodes: ['classifier'], frozen: true });
    expect(s().doc.training.optimizers[0].modules).toEqual([MAIN_MODULE]);
    expect(codes(s)).toEqual([]);
    expect(s().past).toHaveLength(history + 1);
    s().undo();
    expect(s().doc.modules[0].frozen).toBeUndefined();
    expect(codes(s)).toEqual(['module-not-optimized']);
    s().redo();
    expect(codes(s)).toEqual([]);
    // Unfreezing drops the key, so a saved file does not grow a "frozen": false.
    s().setModuleFrozen(id, false);
    expect('frozen' in s().doc.modules[0]).toBe(false);
    expect(codes(s)).toEqual(['module-not-optimized']);
    // Setting what is already set records nothing.
    const past = s().past.length;
    s().setModuleFrozen(id, false);
    expect(s().past).toHaveLength(past);
  });

  it('freezing a module an optimizer updates takes it out of that optimizer in the same step, never leaving frozen-module-optimized', () => {
    const { s } = setup();
    s().select(['classifier']);
    const id = s().groupSelection('Head')!;
    expect(s().doc.training.optimizers[0].modules).toEqual([MAIN_MODULE, id]);
    const before = s().doc;
    expect(s().setModuleFrozen(id, true).ok).toBe(true);
    expect(s().doc.modules[0].frozen).toBe(true);
    expect(s().doc.training.optimizers[0].modules).toEqual([MAIN_MODULE]);
    expect(codes(s)).not.toContain('frozen-module-optimized');
    expect(codes(s)).toEqual([]);
    s().undo();
    expect(s().doc).toBe(before);
    expect(s().doc.training.optimizers[0].modules).toEqual([MAIN_MODULE, id]);
  });

  it('refuses to freeze the only module an optimizer updates, naming the optimizer and the fix, and changes nothing', () => {
    const { s } = setup();
    s().select(['flatten', 'classifier']);
    const id = s().groupSelection('Head')!;
    s().apply(toggleOptimizerModule(s().doc, 'adam', MAIN_MODULE, false));
    expect(s().doc.training.optimizers[0].modules).toEqual([id]);
    const before = s().doc;
    const history = s().past.length;
    const outcome = s().setModuleFrozen(id, true);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.reason).toBe("optimizer 'adam' updates only 'Head', so freezing it would leave that optimizer nothing to train; give it another module first (Graph settings), or delete it.");
    expect(s().doc).toBe(before);
    expect(s().past).toHaveLength(history);
    expect(s().setModuleFrozen('nope', true)).toEqual({ ok: false, reason: "there is no module 'nope'" });
  });

  it("opens the perceptual template's loss network frozen and outside every optimizer, without warnings about it", () => {
    const { s } = setup(perceptual.build());
    expect(s().doc.modules.find((m) => m.id === 'LossNet')?.frozen).toBe(true);
    expect(s().doc.training.optimizers.flatMap((o) => o.modules)).not.toContain('LossNet');
    expect(codes(s)).not.toContain('module-not-optimized');
    expect(codes(s)).not.toContain('frozen-module-optimized');
  });
});
