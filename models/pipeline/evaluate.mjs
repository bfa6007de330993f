// Runs exported ONNX files on the held-out set with onnxruntime-web (wasm EP, 1 thread, default
// graph optimisation) in Node, and cross-checks with onnxruntime-node.
// Usage: node evaluate.mjs id=path.onnx [id=path.onnx ...]
// Writes .data/logits-<id>.f32 (held-out logits) and .data/eval-<id>.json (golden outputs, latency, runtime diffs).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', '..', 'package.json'));
const ortWeb = await import(require.resolve('onnxruntime-web'));
const ortNode = require('onnxruntime-node');
ortWeb.env.wasm.numThreads = 1;
ortWeb.env.logLevel = 'error';

const data = join(here, '.data');
const f32 = (p) => { const b = readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const test = f32(join(data, 'test.f32'));
const nTest = test.length / 784;
const goldenU8 = readFileSync(join(data, 'golden.u8'));
const golden = Float32Array.from(goldenU8, (v) => v / 255);
const nGolden = golden.length / 784;

async function run(ort, session, x, n) {
  const out = await session.run({ input: new ort.Tensor('float32', x, [n, 1, 28, 28]) });
  return out.logits.data;
}
async function runAll(ort, session, x, batch = 256) {
  const n = x.length / 784;
  const out = new Float32Array(n * 10);
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    out.set(await run(ort, session, x.subarray(i * 784, (i + m) * 784), m), i * 10);
  }
  return out;
}
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
async function latency(session, n, reps) {
  const x = test.slice(0, n * 784);
  for (let i = 0; i < 10; i++) await run(ortWeb, session, x, n);
  // Three rounds; the round with the lowest median is reported (the machines are shared and noisy).
  let best = null;
  for (let round = 0; round < 3; round++) {
    const t = [];
    for (let i = 0; i < reps; i++) { const t0 = performance.now(); await run(ortWeb, session, x, n); t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    const r = { medianMs: +t[t.length >> 1].toFixed(4), p90Ms: +t[Math.floor(t.length * 0.9)].toFixed(4) };
    if (!best || r.medianMs < best.medianMs) best = r;
  }
  return best;
}

for (const arg of process.argv.slice(2)) {
  const [id, path] = arg.split('=');
  const bytes = readFileSync(path);
  const web = await ortWeb.InferenceSession.create(bytes);
  const logits = await runAll(ortWeb, web, test);
  writeFileSync(join(data, `logits-${id}.f32`), Buffer.from(logits.buffer));
  const goldenOut = await runAll(ortWeb, web, golden);
  const lat1 = await latency(web, 1, 300);
  const lat64 = await latency(web, 64, 60);
  // Cross-runtime check on golden + first 512 held-out digits.
  const probe = new Float32Array((nGolden + 512) * 784);
  probe.set(golden); probe.set(test.subarray(0, 512 * 784), golden.length);
  const exact = await runAll(ortNode, await ortNode.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' }), probe);
  const nodeAll = await runAll(ortNode, await ortNode.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' }), probe);
  const webProbe = await runAll(ortWeb, web, probe);
  let correct = 0;
  const labels = readFileSync(join(data, 'test.u8'));
  for (let i = 0; i < nTest; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (logits[i * 10 + k] > logits[i * 10 + best]) best = k;
    if (best === labels[i]) correct++;
  }
  const res = {
    id, path, accuracyWasm: correct / nTest, nTest,
    goldenOutputs: Array.from({ length: nGolden }, (_, i) => Array.from(goldenOut.subarray(i * 10, i * 10 + 10))),
    latencyWasm1Thread: { batch1: lat1, batch64: lat64 },
    diffs: { nodeAllVsNodeBasic: maxDiff(nodeAll, exact), wasmVsNodeBasic: maxDiff(webProbe, exact) },
  };
  writeFileSync(join(data, `eval-${id}.json`), JSON.stringify(res, null, 2));
  console.log(id, 'acc', res.accuracyWasm.toFixed(4), 'b1', lat1.medianMs, 'ms b64', lat64.medianMs, 'ms diffs', res.diffs);
}
