import type { Preprocessing } from '../manifest/types.js';
import type { GreyImage } from './grey-image.js';

/** Below this (after inversion) a pixel is paper, not ink: it keeps scanner/antialias noise out of the bounding box. */
export const INK_THRESHOLD = 0.1;

/**
 * Turns luminance into ink: 1 where the pen was, 0 on the paper, whatever the paper's colour.
 * Returns null when there is no ink at all.
 */
export function toInk(image: GreyImage, invert: Preprocessing['invert']): Float32Array | null {
  const { width, height } = image;
  const ink = new Float32Array(width * height);
  let sum = 0;
  for (let i = 0; i < ink.length; i++) {
    const v = image.data[i]!;
    // `v > 0` is false for NaN too, so a bad pixel reads as black rather than poisoning the sums.
    // biome-ignore lint/complexity/useMathMinMax: the ternary maps NaN to 0; Math.min/max would keep it NaN.
    const clamped = v > 0 ? (v < 1 ? v : 1) : 0;
    ink[i] = clamped;
    sum += clamped;
  }
  let paper = borderMedian(ink, width, height);
  if (shouldInvert(invert, paper, sum / ink.length)) {
    for (let i = 0; i < ink.length; i++) ink[i] = 1 - ink[i]!;
    paper = 1 - paper;
  }
  return stretch(ink, paper);
}

function shouldInvert(mode: Preprocessing['invert'], paper: number, mean: number): boolean {
  if (mode !== 'auto') return mode === 'always';
  // The paper is lighter than the picture as a whole when the pen is darker than the paper.
  // A blank image has paper == mean: treat a light blank as paper (→ no ink) rather than all ink.
  if (Math.abs(paper - mean) > 1e-6) return paper > mean;
  return paper >= 0.5;
}

/** Subtracts the paper's level and scales the darkest stroke to 1, so grey pencil on grey paper reads like MNIST. */
function stretch(ink: Float32Array, paper: number): Float32Array | null {
  const range = 1 - paper;
  if (range <= 1e-6) return null;
  let peak = 0;
  for (let i = 0; i < ink.length; i++) {
    const v = Math.max(0, ink[i]! - paper) / range;
    ink[i] = v;
    if (v > peak) peak = v;
  }
  if (peak < INK_THRESHOLD) return null;
  for (let i = 0; i < ink.length; i++) ink[i] = ink[i]! / peak;
  return ink;
}

/** The median of the one-pixel frame: strokes that touch the edge do not move it. */
function borderMedian(values: Float32Array, width: number, height: number): number {
  const frame: number[] = [];
  for (let x = 0; x < width; x++) {
    frame.push(values[x]!);
    if (height > 1) frame.push(values[(height - 1) * width + x]!);
  }
  for (let y = 1; y < height - 1; y++) {
    frame.push(values[y * width]!);
    if (width > 1) frame.push(values[y * width + width - 1]!);
  }
  frame.sort((a, b) => a - b);
  return frame[frame.length >> 1] ?? 0;
}

export interface Box {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

export function inkBounds(ink: Float32Array, width: number, height: number): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! < INK_THRESHOLD) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
