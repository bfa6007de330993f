// What an app could write without modelship: onnxruntime-web's wasm build in a worker,
// one postMessage per call, no validation, no proof, no cache. The benchmark's baseline.
import * as ort from 'onnxruntime-web/wasm';

let session: ort.InferenceSession | undefined;

self.onmessage = async (event: MessageEvent) => {
  const message = event.data as
    | { type: 'load'; bytes: Uint8Array; wasmPaths: string }
    | { type: 'run'; data: Float32Array; dims: number[] };
  if (message.type === 'load') {
    ort.env.wasm.wasmPaths = message.wasmPaths;
    ort.env.wasm.numThreads = 1;
    session = await ort.InferenceSession.create(message.bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    postMessage({ type: 'loaded' });
    return;
  }
  const output = await session!.run({ [session!.inputNames[0]!]: new ort.Tensor('float32', message.data, message.dims) });
  const logits = output[session!.outputNames[0]!]!.data as Float32Array;
  postMessage({ type: 'result', data: logits }, [logits.buffer]);
};
