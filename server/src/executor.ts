import type { Datatype, TypedArray } from './datatypes.js';
import type { ComputeTimes } from './instances/protocol.js';

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TypedArray;
  /** A buffer the request owns outright, transferred to the instance with `data` (instances/protocol.ts). */
  transfer?: ArrayBuffer;
}

export interface ExecResult {
  outputs: Tensor[];
  /** Time spent waiting in the queue, nanoseconds. */
  queueNs: number;
  /** The execution that produced this result (shared by a coalesced batch), nanoseconds inside the instance. */
  times: ComputeTimes;
  /** Size of the batch this request ran in (≥ its own batch). */
  executedBatch: number;
}

/** One model execution: its combined batch size and the instance's timings. */
export type ExecutionListener = (batchSize: number, times: ComputeTimes) => void;

/** Runs one model version. `batch` is the request's batch size (1 for models without a batch dim). */
export interface Executor {
  infer(inputs: Tensor[], batch: number, deadline: number): Promise<ExecResult>;
  /** Requests waiting for a free instance (Triton's pending request count). */
  readonly pending: number;
  /** Resolves once nothing is queued or running. */
  drain(): Promise<void>;
}
