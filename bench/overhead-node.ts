// `npm run bench:overhead-node`: modelship's own per-call cost, without the worker hop both sides
// of `npm run bench` pay: predict() in the current thread (`worker: false`) against a bare
// `session.run` of the same onnxruntime-web build and model, interleaved call by call, with monitoring
// off and on. Node, one thread, fp32. Prints one line per setting and one JSON line.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web/wasm';
import { loadModel } from '../src/load/load-model.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { serveMnist, WASM_PATHS } from '../test/node/helpers/static-models.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 3000);
const WARMUP = 500;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const sample = (): Float32Array => Float32Array.from({ length: 784 }, () => Math.random());

async function main(): Promise<void> {
  const server = await serveMnist();
  const rows: { monitoring: boolean; predictP50Us: number; runP50Us: number; overheadUs: number }[] = [];
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync('models/mnist/mnist-fp32.onnx'), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const monitoring of [false, true]) {
        const model = await loadModel(`${server.url}/models/mnist/manifest.json`, {
          worker: false,
          wasmPaths: WASM_PATHS,
          cache: createMemoryStore(),
          variant: 'fp32',
          ...(monitoring ? {} : { monitoring: false }),
        });
        const ours: number[] = [];
        const bare: number[] = [];
        for (let i = 0; i < CALLS; i++) {
          const input = sample();
          let t = performance.now();
          await model.predict(input);
          ours.push(performance.now() - t);
          const data = sample();
          t = performance.now();
          await session.run({ input: new ort.Tensor('float32', data, [1, 1, 28, 28]) });
          bare.push(performance.now() - t);
        }
        await model.dispose();
        const predictP50Us = median(ours.slice(WARMUP)) * 1000;
        const runP50Us = median(bare.slice(WARMUP)) * 1000;
        rows.push({ monitoring, predictP50Us, runP50Us, overheadUs: predictP50Us - runP50Us });
      }
    }
  } finally {
    await session.release();
    await server.close();
  }
  for (const monitoring of [false, true]) {
    const mine = rows.filter((row) => row.monitoring === monitoring);
    const overhead = median(mine.map((row) => row.overheadUs));
    console.log(`monitoring ${monitoring ? 'on ' : 'off'}: predict() p50 ${median(mine.map((r) => r.predictP50Us)).toFixed(0)} µs, session.run p50 ${median(mine.map((r) => r.runP50Us)).toFixed(0)} µs, modelship's own ${overhead.toFixed(0)} µs per call (median of ${ROUNDS})`);
  }
  console.log(JSON.stringify({ bench: 'modelship-overhead-node', calls: CALLS, rows }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
