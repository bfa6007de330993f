// bench/minimal-worker.ts over shared memory instead of postMessage: the request's values and the reply's
// go through a SharedArrayBuffer, signalled with Atomics (the worker waits with waitAsync, as
// src/worker/shared-runs.ts does). What the message hop costs, apart from everything modelship does:
// bench/transport.ts runs the two side by side. Needs a cross-origin isolated page.
import * as ort from 'onnxruntime-web/wasm';

type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

self.onmessage = async (event: MessageEvent) => {
  const { bytes, wasmPaths, shared } = event.data as { bytes: Uint8Array; wasmPaths: string; shared: SharedArrayBuffer };
  ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  // [0] request count, [1] reply count; then 784 input values, then 10 output values.
  const counts = new Int32Array(shared, 0, 2);
  const input = new Float32Array(shared, 8, 784);
  const output = new Float32Array(shared, 8 + 784 * 4, 10);
  postMessage({ type: 'loaded' });
  for (let seen = 0; ; ) {
    const waiting = waitAsync(counts, 0, seen);
    if (waiting.async) await waiting.value;
    seen = Atomics.load(counts, 0);
    if (seen < 0) return;
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input.slice(), [1, 1, 28, 28]) });
    output.set(result[session.outputNames[0]!]!.data as Float32Array);
    Atomics.store(counts, 1, seen);
    Atomics.notify(counts, 1);
  }
};
