import { forEachPixel, type OcclusionGrid, type Patch } from './patches.js';

/**
 * The log-probability of class `index` in each of `rows` output rows, in float64. Log-probabilities,
 * not probabilities: a confident CNN gives p ≈ 0.99999 to most digits, where probability drops
 * are all ≈ 0 and their order is float noise; log-softmax keeps the order.
 */
export function classLogProbabilities(raw: Float32Array, rows: number, classes: number, index: number, kind: 'logits' | 'probabilities'): Float64Array {
  const out = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const offset = row * classes;
    if (kind === 'probabilities') {
      out[row] = Math.log(Math.max(raw[offset + index]!, Number.MIN_VALUE));
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, raw[offset + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(raw[offset + c]! - max);
    out[row] = raw[offset + index]! - max - Math.log(sum);
  }
  return out;
}

/**
 * Each pixel's saliency is the mean drop of the class's log-probability over the patches that
 * cover it: positive where hiding the pixel's neighbourhood hurts the answer (evidence for it),
 * negative where hiding it helps (evidence against). `scores[k + 1]` belongs to `occluded[k]`; a
 * patch of `all` that was not run (it changed no pixel) counts with a drop of exactly 0.
 */
export function occlusionSaliency(
  scores: Float64Array,
  occluded: readonly Patch[],
  all: readonly Patch[],
  grid: Pick<OcclusionGrid, 'width' | 'height'>,
): Float32Array {
  const size = grid.width * grid.height;
  const sum = new Float64Array(size);
  const count = new Uint16Array(size);
  const baseline = scores[0]!;
  occluded.forEach((patch, k) => {
    const drop = baseline - scores[k + 1]!;
    forEachPixel(patch, grid, (pixel) => {
      sum[pixel] = sum[pixel]! + drop;
    });
  });
  for (const patch of all) {
    forEachPixel(patch, grid, (pixel) => {
      count[pixel] = count[pixel]! + 1;
    });
  }
  const saliency = new Float32Array(size);
  for (let pixel = 0; pixel < size; pixel++) saliency[pixel] = count[pixel] ? sum[pixel]! / count[pixel]! : 0;
  return saliency;
}
