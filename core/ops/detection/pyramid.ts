/**
 * Feature pyramids: a map from level name to an N×H×W×C tensor. Levels are
 * named by their log2 stride, as detectron2 names them: C2/P2 is 1/4 of the
 * input, P3 1/8, and so on, so a level's stride is read from its name.
 */
import { ShapeError } from '../../node-api';
import { formatValueType, type Shape, type ValueType } from '../../types';

const LEVEL_NAME = /^[A-Z]([0-9])$/;

/** 2 for 'P2' or 'C2'; undefined for a name that is not a level. */
export function levelIndex(name: string): number | undefined {
  const match = LEVEL_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

export interface PyramidLevel {
  name: string;
  index: number;
  stride: number;
  shape: Shape;
}

/**
 * The levels of a pyramid port, finest first, or a ShapeError naming the
 * port when the wire carries something else (an image, a vector…).
 */
export function expectPyramid(t: ValueType | undefined, port: string): PyramidLevel[] {
  if (!t || t.kind !== 'pyramid' || !t.levels) {
    throw new ShapeError(
      `input '${port}' must be a feature pyramid (levels such as P2…P6 from a backbone or FPN), got ${t ? `${t.kind} ${formatValueType(t)}` : 'nothing'}: ` +
        'wire the features output of a backbone or FPN node',
      { port },
    );
  }
  const levels = Object.entries(t.levels).map(([name, shape]) => {
    const index = levelIndex(name);
    if (index === undefined) {
      throw new ShapeError(`input '${port}' has a level named '${name}'; pyramid levels are named like P2…P7 (the log2 of their stride)`, { port });
    }
    return { name, index, stride: 2 ** index, shape };
  });
  if (levels.length === 0) throw new ShapeError(`input '${port}' is a pyramid with no levels`, { port });
  return levels.sort((a, b) => a.index - b.index);
}

/** A level's H, W and C as numbers (only the batch may be symbolic). */
export function levelSize(level: PyramidLevel, port: string): { h: number; w: number; c: number } {
  const [, h, w, c] = level.shape;
  if (level.shape.length !== 4 || typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new ShapeError(`level ${level.name} of input '${port}' must be N×H×W×C with known H, W, C, got ${level.shape.join('×')}`, { port });
  }
  return { h, w, c };
}
