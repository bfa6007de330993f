import type { Datatype, TypedArray } from '../datatypes.js';
import type { InstancePriority, PriorityResult } from './cpu-priority.js';

/**
 * Messages between the event loop and one model-instance worker (instances/worker.ts).
 * Tensor buffers are transferred, not copied, in both directions (see instance.ts).
 */

export interface WireTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TypedArray;
  /**
   * The whole buffer `data` views, when the request owns it outright (a gRPC message's own
   * buffer): transferred with the tensor although the view covers only part of it.
   */
  transfer?: ArrayBuffer;
}

/** workerData of an instance worker. */
export interface InstanceInit {
  modelPath: string;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads: number | undefined;
  /** Added to the instance thread's nice value, or `idle` for SCHED_IDLE (Linux; cpu-priority.ts), so compute yields to the event loop. */
  nice: InstancePriority;
}

/**
 * `exit-on-next-run` is fault injection for tests: the worker thread exits (code 70) when the
 * next run arrives, as a native crash inside session.run would end it, with that run in flight.
 * Only code holding the ModelInstance can send it; nothing from the network reaches a worker.
 */
export type ToInstance = { type: 'run'; id: number; inputs: WireTensor[] } | { type: 'release' } | { type: 'exit-on-next-run' };

/** Durations of one execution inside the instance, nanoseconds (Triton's compute_input/infer/output). */
export interface ComputeTimes {
  inputNs: number;
  inferNs: number;
  outputNs: number;
}

export type FromInstance =
  /** `priority`: what the thread got (cpu-priority.ts), e.g. `nice 10` or `SCHED_IDLE, nice 19`. */
  | { type: 'ready'; inputNames: string[]; outputNames: string[]; priority: PriorityResult }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; outputs: WireTensor[]; times: ComputeTimes }
  | { type: 'run-failed'; id: number; message: string }
  | { type: 'released' };

/**
 * The transfer list: buffers a tensor's typed array covers whole, and buffers marked `transfer`
 * (owned by the request). Views into other shared buffers are copied, never detached from under
 * their owner.
 */
export function transferables(tensors: readonly WireTensor[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const buf = t.data.buffer;
    if (!(buf instanceof ArrayBuffer)) continue;
    if ((t.data.byteOffset === 0 && t.data.byteLength === buf.byteLength) || t.transfer === buf) seen.add(buf);
  }
  return [...seen];
}
