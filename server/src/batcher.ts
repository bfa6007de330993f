import { performance } from 'node:perf_hooks';
import type * as ort from 'onnxruntime-node';
import { datatypeInfo } from './datatypes.js';
import { HttpError } from './errors.js';
import { runSession, type ExecResult, type ExecutionListener, type Executor, type Tensor } from './executor.js';

export interface BatcherSettings {
  /** Largest combined batch of one session.run. */
  maxBatchSize: number;
  /** How long the oldest queued request may wait for companions, microseconds (Triton's max_queue_delay_microseconds). */
  maxQueueDelayUs: number;
  /** Batch sizes worth dispatching at once without waiting for the delay. */
  preferredBatchSizes: number[];
  /** Concurrent session.run calls (Triton's instance_group count); batches form while all are busy. */
  instances: number;
}

interface Pending {
  inputs: Tensor[];
  batch: number;
  /** Requests only share a run when their non-batch shapes agree. */
  key: string;
  enqueuedAt: number;
  deadline: number;
  resolve: (r: ExecResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Triton-style dynamic batcher for one model version: requests queue while the session is
 * busy (or for up to maxQueueDelayUs), then run as one batch concatenated along dim 0, and
 * the outputs are split back per request. At most `instances` runs at a time per version,
 * like Triton's model instances; onnxruntime uses its intra-op threads inside each run.
 * onnxruntime-node executes a run synchronously on the JS thread (after a setImmediate), so
 * extra instances do not compute in parallel: they only let a batch start before the previous
 * one has finished. Requests that arrive during a run are what the next batch is made of.
 */
export class DynamicBatcher implements Executor {
  private queue: Pending[] = [];
  private running = 0;
  private wake: { cancel: () => void } | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly settings: BatcherSettings,
    private readonly onExecution: ExecutionListener,
  ) {}

  infer(inputs: Tensor[], batch: number, deadline: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const key = inputs.map((t) => `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`).join('|');
      this.queue.push({ inputs, batch, key, enqueuedAt: performance.now(), deadline, resolve, reject });
      this.schedule();
    });
  }

  drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running >= this.settings.instances || this.queue.length === 0) return;
    const head = this.queue[0]!;
    const queued = this.queue.reduce((n, p) => n + (p.key === head.key ? p.batch : 0), 0);
    const waitedUs = (performance.now() - head.enqueuedAt) * 1000;
    const full = queued >= this.settings.maxBatchSize || this.settings.preferredBatchSizes.includes(queued);
    if (full || waitedUs >= this.settings.maxQueueDelayUs) {
      this.wake?.cancel();
      this.wake = undefined;
      void this.dispatch();
    } else if (!this.wake) {
      this.wake = this.wakeAfter((this.settings.maxQueueDelayUs - waitedUs) / 1000);
    }
  }

  /**
   * Node's timers round up to whole milliseconds, so a 100 µs delay would wait 1 ms or more.
   * Below 1 ms the batcher re-checks after each event-loop turn instead (which also reads any
   * requests that arrived meanwhile), so sub-millisecond delays mean what they say.
   */
  private wakeAfter(delayMs: number): { cancel: () => void } {
    const again = (): void => {
      this.wake = undefined;
      this.schedule();
    };
    if (delayMs >= 1) {
      const t = setTimeout(again, delayMs);
      return { cancel: () => clearTimeout(t) };
    }
    const i = setImmediate(again);
    return { cancel: () => clearImmediate(i) };
  }

  private take(): Pending[] {
    const now = performance.now();
    const taken: Pending[] = [];
    const rest: Pending[] = [];
    let size = 0;
    let key: string | undefined;
    for (const p of this.queue) {
      if (p.deadline <= now) {
        p.reject(new HttpError('TIMEOUT', 'request timed out in the batch queue'));
      } else if ((key === undefined || p.key === key) && size + p.batch <= this.settings.maxBatchSize) {
        key = p.key;
        size += p.batch;
        taken.push(p);
      } else {
        rest.push(p);
      }
    }
    this.queue = rest;
    return taken;
  }

  private async dispatch(): Promise<void> {
    const batch = this.take();
    if (batch.length === 0) return this.settle();
    this.running++;
    // Another instance may take what is still queued while this one runs.
    if (this.queue.length > 0) this.schedule();
    const start = performance.now();
    const total = batch.reduce((n, p) => n + p.batch, 0);
    try {
      const outputs = await runSession(this.session, batch.length === 1 ? batch[0]!.inputs : concat(batch, total));
      const computeUs = Math.round((performance.now() - start) * 1000);
      this.onExecution(total);
      let offset = 0;
      for (const p of batch) {
        p.resolve({
          outputs: batch.length === 1 ? outputs : outputs.map((t) => slice(t, offset, p.batch, total)),
          queueUs: Math.round((start - p.enqueuedAt) * 1000),
          computeUs,
          executedBatch: total,
        });
        offset += p.batch;
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running--;
      this.settle();
    }
  }

  private settle(): void {
    if (this.queue.length > 0) return this.schedule();
    if (this.running > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

function concat(batch: Pending[], total: number): Tensor[] {
  return batch[0]!.inputs.map((first, i) => {
    const data = datatypeInfo(first.datatype).create((first.data.length / first.shape[0]!) * total);
    let at = 0;
    for (const p of batch) {
      const part = p.inputs[i]!.data;
      (data as Float32Array).set(part as Float32Array, at);
      at += part.length;
    }
    return { name: first.name, datatype: first.datatype, shape: [total, ...first.shape.slice(1)], data };
  });
}

/** Rows [offset, offset + rows) of an output whose first dimension is the combined batch. */
function slice(t: Tensor, offset: number, rows: number, total: number): Tensor {
  if (t.shape[0] !== total) return t;
  const rowLen = t.data.length / total;
  return {
    name: t.name,
    datatype: t.datatype,
    shape: [rows, ...t.shape.slice(1)],
    data: t.data.subarray(offset * rowLen, (offset + rows) * rowLen),
  };
}
