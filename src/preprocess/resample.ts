/** One destination sample along an axis: a weighted sum of the source samples from `start` on. */
export interface Tap {
  start: number;
  weights: Float32Array;
}

/**
 * Maps `srcLen` source samples onto `dstLen` destination samples. A source coordinate u
 * (continuous, 0 at the leading edge of the first sample) lands at u·scale + offset.
 * Anything outside the source is background (0). Downscaling averages areas (a box filter,
 * which is how MNIST's anti-aliased digits were made); upscaling interpolates linearly.
 */
export function axisTaps(srcLen: number, dstLen: number, scale: number, offset: number): Tap[] {
  const taps: Tap[] = [];
  for (let j = 0; j < dstLen; j++) {
    taps.push(scale <= 1 ? areaTap(j, srcLen, scale, offset) : linearTap(j, srcLen, scale, offset));
  }
  return taps;
}

const NO_TAP: Tap = { start: 0, weights: new Float32Array(0) };

function areaTap(j: number, srcLen: number, scale: number, offset: number): Tap {
  const from = (j - offset) / scale;
  const to = (j + 1 - offset) / scale;
  const first = Math.max(0, Math.floor(from));
  const last = Math.min(srcLen - 1, Math.ceil(to) - 1);
  if (last < first) return NO_TAP;
  const weights = new Float32Array(last - first + 1);
  for (let i = first; i <= last; i++) {
    const overlap = Math.min(i + 1, to) - Math.max(i, from);
    // An average over the destination pixel: the source interval it covers is 1/scale long.
    weights[i - first] = Math.max(0, overlap) * scale;
  }
  return { start: first, weights };
}

function linearTap(j: number, srcLen: number, scale: number, offset: number): Tap {
  // Weight by how much of the destination pixel the patch covers, so the patch's own edges
  // are anti-aliased too, and nothing spills outside it.
  const covered0 = Math.max(j, offset);
  const covered1 = Math.min(j + 1, offset + srcLen * scale);
  const coverage = covered1 - covered0;
  if (coverage <= 0) return NO_TAP;
  const u = ((covered0 + covered1) / 2 - offset) / scale;
  const p = Math.min(srcLen - 1, Math.max(0, u - 0.5));
  const i0 = Math.floor(p);
  const f = p - i0;
  if (f === 0 || i0 + 1 >= srcLen) return { start: i0, weights: Float32Array.of(coverage) };
  return { start: i0, weights: Float32Array.of((1 - f) * coverage, f * coverage) };
}

/** Applies column taps then row taps (both filters are separable). */
export function resample2d(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  xTaps: Tap[],
  yTaps: Tap[],
): Float32Array {
  const dstWidth = xTaps.length;
  const rows = new Float32Array(srcHeight * dstWidth);
  for (let y = 0; y < srcHeight; y++) {
    const rowStart = y * srcWidth;
    for (let x = 0; x < dstWidth; x++) {
      rows[y * dstWidth + x] = dot(src, rowStart, 1, xTaps[x]!);
    }
  }
  const out = new Float32Array(yTaps.length * dstWidth);
  for (let y = 0; y < yTaps.length; y++) {
    const tap = yTaps[y]!;
    for (let x = 0; x < dstWidth; x++) {
      out[y * dstWidth + x] = dot(rows, x, dstWidth, tap);
    }
  }
  return out;
}

function dot(values: Float32Array, base: number, stride: number, tap: Tap): number {
  let sum = 0;
  const { start, weights } = tap;
  for (let k = 0; k < weights.length; k++) sum += values[base + (start + k) * stride]! * weights[k]!;
  return sum;
}
