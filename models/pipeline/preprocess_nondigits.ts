// Turns the non-digit pictures (nondigits.py) into model inputs with the library's own MNIST
// preprocessing (src/preprocess), so outlier exposure in train.py sees exactly what a device feeds
// the model for such a picture. Run: node --import tsx preprocess_nondigits.ts
// Output (git-ignored): .data/nondigits-inputs.f32 float32 [N,784], in the order of .data/nondigits.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Preprocessing } from '../../src/manifest/types.js';
import { preprocessMnist } from '../../src/preprocess/mnist.js';

const here = dirname(fileURLToPath(import.meta.url));
const spec: Preprocessing = JSON.parse(readFileSync(join(here, '..', 'mnist', 'manifest.json'), 'utf8')).preprocessing;
const meta: { size: number; items: unknown[] } = JSON.parse(readFileSync(join(here, '.data', 'nondigits.json'), 'utf8'));
const pixels = readFileSync(join(here, '.data', 'nondigits.u8'));
const area = meta.size * meta.size;
const inputs = new Float32Array(meta.items.length * spec.width * spec.height);
for (let i = 0; i < meta.items.length; i++) {
  const grey = Float32Array.from(pixels.subarray(i * area, (i + 1) * area), (v) => v / 255);
  inputs.set(preprocessMnist({ data: grey, width: meta.size, height: meta.size }, spec), i * spec.width * spec.height);
}
writeFileSync(join(here, '.data', 'nondigits-inputs.f32'), Buffer.from(inputs.buffer));
console.log(`preprocessed ${meta.items.length} non-digit pictures`);
