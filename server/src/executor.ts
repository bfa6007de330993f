import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { datatypeFromOrt, datatypeInfo, type Datatype, type TypedArray } from './datatypes.js';
import { HttpError } from './errors.js';

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TypedArray;
}

export interface ExecResult {
  outputs: Tensor[];
  /** Time spent waiting in the batch queue, microseconds. */
  queueUs: number;
  /** Time of the session.run that produced this result (shared by a coalesced batch), microseconds. */
  computeUs: number;
  /** Size of the batch this request ran in (≥ its own batch). */
  executedBatch: number;
}

export type ExecutionListener = (batchSize: number) => void;

/** Runs one model version. `batch` is the request's batch size (1 for models without a batch dim). */
export interface Executor {
  infer(inputs: Tensor[], batch: number, deadline: number): Promise<ExecResult>;
  /** Resolves once nothing is queued or running. */
  drain(): Promise<void>;
}

export async function runSession(session: ort.InferenceSession, inputs: Tensor[]): Promise<Tensor[]> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of inputs) feeds[t.name] = new ort.Tensor(datatypeInfo(t.datatype).ort, t.data, t.shape);
  const result = await session.run(feeds);
  return Object.entries(result).map(([name, value]) => {
    const datatype = datatypeFromOrt(value.type);
    if (!datatype) throw new HttpError('INTERNAL', `output "${name}" has unsupported type ${value.type}`);
    return { name, datatype, shape: value.dims.map(Number), data: value.data as TypedArray };
  });
}

const micros = (fromMs: number): number => Math.round((performance.now() - fromMs) * 1000);

/** One session.run per request, all running concurrently (batching off). */
export class DirectExecutor implements Executor {
  private running = new Set<Promise<unknown>>();

  constructor(private readonly session: ort.InferenceSession, private readonly onExecution: ExecutionListener) {}

  async infer(inputs: Tensor[], batch: number): Promise<ExecResult> {
    const start = performance.now();
    const p = runSession(this.session, inputs);
    this.running.add(p);
    try {
      const outputs = await p;
      this.onExecution(batch);
      return { outputs, queueUs: 0, computeUs: micros(start), executedBatch: batch };
    } finally {
      this.running.delete(p);
    }
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
