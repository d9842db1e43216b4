/**
 * Anchor boxes, detectron2's DefaultAnchorGenerator: for each feature-map
 * cell of a level, one box per (size, aspect ratio) centred on the cell's
 * top-left corner plus offset·stride. Boxes are ordered location-major
 * (row, then column), anchor-minor, the order in which an RPN head's N×H×W×A
 * outputs flatten, so anchor i and prediction i always belong together.
 */

/**
 * Boxes centred on the origin, one per (size, ratio) with sizes outermost:
 * area size², height/width = ratio (detectron2 generate_cell_anchors).
 */
export function cellAnchors(sizes: readonly number[], ratios: readonly number[]): Float64Array {
  const out = new Float64Array(sizes.length * ratios.length * 4);
  let i = 0;
  for (const size of sizes) {
    for (const ratio of ratios) {
      const w = Math.sqrt((size * size) / ratio);
      const h = ratio * w;
      out.set([-w / 2, -h / 2, w / 2, h / 2], i);
      i += 4;
    }
  }
  return out;
}

/** All anchors of one H×W level with the given stride: a Float32Array of H·W·A·4. */
export function gridAnchors(
  height: number,
  width: number,
  stride: number,
  sizes: readonly number[],
  ratios: readonly number[],
  offset = 0,
): Float32Array {
  const cell = cellAnchors(sizes, ratios);
  const perCell = cell.length / 4;
  const out = new Float32Array(height * width * perCell * 4);
  let i = 0;
  for (let row = 0; row < height; row++) {
    const sy = (row + offset) * stride;
    for (let col = 0; col < width; col++) {
      const sx = (col + offset) * stride;
      for (let a = 0; a < perCell; a++) {
        out[i++] = sx + cell[4 * a];
        out[i++] = sy + cell[4 * a + 1];
        out[i++] = sx + cell[4 * a + 2];
        out[i++] = sy + cell[4 * a + 3];
      }
    }
  }
  return out;
}
