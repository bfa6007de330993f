/**
 * Cheap input features of one preprocessed picture (the model's own input, so the pipeline and
 * the device compute them on exactly the same numbers). Pure functions: the calibration script in
 * models/pipeline imports this file, so the thresholds it writes mean the same thing here.
 */

/** Names in a fixed order: reference histograms, drift figures and reports use them as keys. */
export const FEATURE_NAMES = ['inkMass', 'meanIntensity', 'bboxAspect', 'centroidOffset', 'strokeWidth'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type InputFeatures = Record<FeatureName, number>;

/** A pixel at or above this is ink for the bounding box and the mean intensity (as in src/preprocess/ink.ts). */
const INK_LEVEL = 0.1;
/** A pixel at or above this is inside a stroke for the stroke-width estimate. */
const STROKE_LEVEL = 0.5;

export interface FieldSpec {
  width: number;
  height: number;
  /** The manifest's normalisation, undone so features read ink in [0, 1] whatever the model expects. */
  mean: number;
  std: number;
}

/**
 * - inkMass: mean ink over the field (0 blank, 1 all ink)
 * - meanIntensity: mean value of the ink pixels (a faint scribble is low, a filled blob high)
 * - bboxAspect: ink bounding-box width / height (a "1" is narrow, a dash wide)
 * - centroidOffset: distance in pixels of the centre of mass from the field's centre
 * - strokeWidth: 2 · stroke area / stroke perimeter, about the pen's width in pixels
 */
export function inputFeatures(field: ArrayLike<number>, spec: FieldSpec, offset = 0, scratch?: Uint8Array): InputFeatures {
  const { width, height, mean, std } = spec;
  const size = width * height;
  // One pass for the sums and masks, one over the stroke mask's bounding box for its perimeter; plain
  // loops, no allocation but the masks (none with `scratch`): this runs on every prediction (bench/monitoring.ts).
  // The ink and stroke tests feed arithmetic, not branches: on a noisy picture a branch per pixel is
  // mispredicted half the time, which made this 5× slower on random input than on a digit.
  const masks = scratch && scratch.length >= size + width + height ? scratch : new Uint8Array(size + width + height);
  masks.fill(0, 0, size + width + height);
  const stroke = masks.subarray(0, size);
  const inkColumns = masks.subarray(size, size + width);
  const inkRows = masks.subarray(size + width, size + width + height);
  let mass = 0;
  let inkSum = 0;
  let inkCount = 0;
  let sx = 0;
  let sy = 0;
  let area = 0;
  for (let y = 0, i = 0; y < height; y++) {
    let rowInk = 0;
    for (let x = 0; x < width; x++, i++) {
      let v = field[offset + i]! * std + mean;
      if (!(v > 0)) continue;
      if (v > 1) v = 1;
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
      // 0 or 1; adding v · 0 leaves the sum exactly as skipping it would.
      const ink = +(v >= INK_LEVEL);
      const inStroke = +(v >= STROKE_LEVEL);
      inkSum += v * ink;
      inkCount += ink;
      inkColumns[x] = inkColumns[x]! | ink;
      rowInk |= ink;
      stroke[i] = inStroke;
      area += inStroke;
    }
    inkRows[y] = rowInk;
  }
  if (mass <= 0) return { inkMass: 0, meanIntensity: 0, bboxAspect: 0, centroidOffset: 0, strokeWidth: 0 };
  const x0 = inkColumns.indexOf(1);
  const x1 = inkColumns.lastIndexOf(1);
  const y0 = inkRows.indexOf(1);
  const y1 = inkRows.lastIndexOf(1);
  // Each side of a stroke pixel that borders paper (or the field's edge) is one unit of perimeter: four
  // per pixel, less two for every pair of stroke pixels side by side. Stroke is ink, so within the ink's box.
  let pairs = 0;
  if (area > 0) {
    for (let y = y0, row = y0 * width; y <= y1; y++, row += width) {
      for (let x = x0; x < x1; x++) pairs += stroke[row + x]! & stroke[row + x + 1]!;
      if (y < y1) for (let x = x0; x <= x1; x++) pairs += stroke[row + x]! & stroke[row + width + x]!;
    }
  }
  const perimeter = 4 * area - 2 * pairs;
  const cx = sx / mass - Math.floor(width / 2) - 0.5;
  const cy = sy / mass - Math.floor(height / 2) - 0.5;
  return {
    inkMass: mass / size,
    meanIntensity: inkCount ? inkSum / inkCount : 0,
    bboxAspect: inkCount ? (x1 - x0 + 1) / (y1 - y0 + 1) : 0,
    // Centring by mass puts digits at 0 up to float noise; hundredths of a pixel keep that noise out of the histograms.
    centroidOffset: Math.round(Math.hypot(cx, cy) * 100) / 100,
    strokeWidth: perimeter ? (2 * area) / perimeter : 0,
  };
}
