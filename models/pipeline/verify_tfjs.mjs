// Loads models/mnist/tfjs/model.json with TensorFlow.js (cpu backend) through a custom IOHandler, runs the
// held-out set and the golden digits, and compares with what export_tfjs.py computed in Python.
// Uses @tensorflow/tfjs from the repo's node_modules, or tfjs-core + tfjs-layers + tfjs-backend-cpu found
// from $TFJS_DIR (a folder holding node_modules/@tensorflow/...).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, '.data');
const dir = join(here, '..', 'mnist', 'tfjs');
let tf;
try {
  tf = createRequire(join(here, '..', '..', 'package.json'))('@tensorflow/tfjs');
} catch {
  const req = createRequire(join(process.env.TFJS_DIR ?? here, 'package.json'));
  const core = req('@tensorflow/tfjs-core');
  req('@tensorflow/tfjs-backend-cpu');
  tf = { ...core, ...req('@tensorflow/tfjs-layers') };
}
await tf.setBackend('cpu');

const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const handler = {
  load: async () => {
    const bin = readFileSync(join(dir, model.weightsManifest[0].paths[0]));
    return {
      modelTopology: model.modelTopology, format: model.format, generatedBy: model.generatedBy,
      convertedBy: model.convertedBy, weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    };
  },
};
const layers = await tf.loadLayersModel(handler);
const f32 = (p) => { const b = readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const test = f32(join(data, 'test.f32'));
const n = test.length / 784;
const out = layers.predict(tf.tensor4d(test, [n, 28, 28, 1])).dataSync();
const expected = f32(join(data, 'logits-tfjs-uint8.f32'));
const fp32 = f32(join(data, 'logits-fp32.f32'));
const argmax = (a, i) => { let k = 0; for (let j = 1; j < 10; j++) if (a[i * 10 + j] > a[i * 10 + k]) k = j; return k; };
let maxDiff = 0, sameAsPython = 0, sameAsFp32 = 0;
for (let i = 0; i < n * 10; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - expected[i]));
for (let i = 0; i < n; i++) { sameAsPython += argmax(out, i) === argmax(expected, i); sameAsFp32 += argmax(out, i) === argmax(fp32, i); }
const gu8 = readFileSync(join(data, 'golden.u8'));
const g = layers.predict(tf.tensor4d(Float32Array.from(gu8, (v) => v / 255), [gu8.length / 784, 28, 28, 1])).dataSync();
const ev = JSON.parse(readFileSync(join(data, 'eval-tfjs-uint8.json'), 'utf8'));
const goldenDiff = ev.goldenOutputs.flat().reduce((m, v, i) => Math.max(m, Math.abs(v - g[i])), 0);
const res = { backend: tf.getBackend(), maxDiffVsPython: maxDiff, goldenMaxDiff: goldenDiff, labelsSameAsPython: sameAsPython / n, labelsSameAsFp32Onnx: sameAsFp32 / n };
writeFileSync(join(data, 'verify-tfjs.json'), JSON.stringify(res, null, 2));
console.log('tfjs layers model loaded;', res);
if (goldenDiff > 1e-3 || sameAsPython !== n) process.exit(1);
