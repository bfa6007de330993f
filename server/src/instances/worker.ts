import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { datatypeFromOrt, datatypeInfo, type TypedArray } from '../datatypes.js';
import { lowerPriority } from './cpu-priority.js';
import { transferables, type FromInstance, type InstanceInit, type ToInstance, type WireTensor } from './protocol.js';

/**
 * One model instance: an onnxruntime-node session on this worker thread. onnxruntime-node
 * computes on the thread that calls session.run, so each instance computes in parallel with the
 * others and the server's event loop stays free to parse, route and answer.
 */

const port = parentPort!;
const init = workerData as InstanceInit;
const post = (m: FromInstance, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const ns = (fromMs: number): number => Math.round((performance.now() - fromMs) * 1e6);

async function main(): Promise<void> {
  const priority = lowerPriority(init.nice);
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: init.graphOptimizationLevel, executionMode: 'sequential' };
  if (init.intraOpNumThreads !== undefined) options.intraOpNumThreads = init.intraOpNumThreads;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(init.modelPath, options);
  } catch (err) {
    post({ type: 'load-failed', message: (err as Error).message });
    return;
  }
  post({ type: 'ready', inputNames: [...session.inputNames], outputNames: [...session.outputNames], priority });

  // One run at a time: the next message is read once this run has answered.
  let queue = Promise.resolve();
  let exitOnNextRun = false;
  port.on('message', (m: ToInstance) => {
    if (m.type === 'exit-on-next-run') {
      exitOnNextRun = true;
      return;
    }
    queue = queue.then(async () => {
      // In a worker thread process.exit ends this thread only: the server sees the instance die.
      if (exitOnNextRun && m.type === 'run') process.exit(70);
      if (m.type === 'release') {
        await session.release().catch(() => undefined);
        post({ type: 'released' });
        port.close();
        return;
      }
      try {
        let t = performance.now();
        const feeds: Record<string, ort.Tensor> = {};
        for (const x of m.inputs) feeds[x.name] = new ort.Tensor(datatypeInfo(x.datatype).ort, x.data, x.shape);
        const inputNs = ns(t);
        t = performance.now();
        const result = await session.run(feeds);
        const inferNs = ns(t);
        t = performance.now();
        const outputs: WireTensor[] = Object.entries(result).map(([name, value]) => {
          const datatype = datatypeFromOrt(value.type);
          if (!datatype) throw new Error(`output "${name}" has unsupported type ${value.type}`);
          // onnxruntime-node returns each output in its own ArrayBuffer: transferred, not copied.
          return { name, datatype, shape: value.dims.map(Number), data: value.data as TypedArray };
        });
        post({ type: 'result', id: m.id, outputs, times: { inputNs, inferNs, outputNs: ns(t) } }, transferables(outputs));
      } catch (err) {
        post({ type: 'run-failed', id: m.id, message: (err as Error).message });
      }
    });
  });
}

void main();
