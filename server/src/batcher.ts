import { performance } from 'node:perf_hooks';
import type { QueuePolicy } from './config-scheduling.js';
import { datatypeInfo } from './datatypes.js';
import { HttpError, overloaded } from './errors.js';
import type { ExecResult, ExecutionListener, Executor, Tensor } from './executor.js';
import type { InstanceRun } from './instances/instance.js';
import type { WireTensor } from './instances/protocol.js';

/** What the scheduler needs of a model instance (instances/instance.ts). */
export interface Runner {
  readonly alive: boolean;
  run(inputs: WireTensor[]): Promise<InstanceRun>;
}

export interface BatcherSettings {
  /** false: one request per execution (Triton's default scheduler); true: dynamic batching. */
  coalesce: boolean;
  /** Largest combined batch of one execution. */
  maxBatchSize: number;
  /** How long the oldest queued request may wait for companions, microseconds (Triton's max_queue_delay_microseconds). */
  maxQueueDelayUs: number;
  /** Batch sizes worth dispatching at once without waiting for the delay. */
  preferredBatchSizes: number[];
  queuePolicy: QueuePolicy;
  /** Seconds a client is told to wait (Retry-After) when the queue rejects it. */
  retryAfterSeconds: number;
}

interface Pending {
  inputs: Tensor[];
  batch: number;
  /** Requests only share a run when their non-batch shapes agree. */
  key: string;
  enqueuedAt: number;
  /** Queue-policy timeout (ms timestamp), or Infinity. */
  policyDeadline: number;
  /** The server's own infer timeout (ms timestamp): past it the request is answered 504. */
  deadline: number;
  resolve: (r: ExecResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Triton-style scheduler for one model version: requests queue until an instance is free (or for
 * up to maxQueueDelayUs when batching), then run on that instance's worker thread; with
 * `coalesce`, queued requests run as one batch concatenated along dim 0 and the outputs are
 * split back per request. Each instance takes one execution at a time, so with N instances N
 * executions compute in parallel while the event loop keeps parsing and answering.
 */
export class DynamicBatcher implements Executor {
  private queue: Pending[] = [];
  private readonly busy = new Set<Runner>();
  private wake: { cancel: () => void } | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly instances: readonly Runner[],
    private readonly settings: BatcherSettings,
    private readonly onExecution: ExecutionListener,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  infer(inputs: Tensor[], batch: number, deadline: number): Promise<ExecResult> {
    const policy = this.settings.queuePolicy;
    if (policy.maxQueueSize > 0 && this.queue.length >= policy.maxQueueSize) {
      return Promise.reject(
        overloaded(`the queue of this model is full (max_queue_size ${policy.maxQueueSize})`, this.settings.retryAfterSeconds, 'queue_full'),
      );
    }
    if (!this.instances.some((i) => i.alive)) return Promise.reject(new HttpError('NOT_READY', 'no live instance of this model'));
    return new Promise((resolve, reject) => {
      const key = inputs.map((t) => `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`).join('|');
      const now = performance.now();
      const policyDeadline = policy.defaultTimeoutMicroseconds > 0 ? now + policy.defaultTimeoutMicroseconds / 1000 : Infinity;
      this.queue.push({ inputs, batch, key, enqueuedAt: now, policyDeadline, deadline, resolve, reject });
      this.schedule();
    });
  }

  drain(): Promise<void> {
    if (this.busy.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private freeInstance(): Runner | undefined {
    return this.instances.find((i) => i.alive && !this.busy.has(i));
  }

  private schedule(): void {
    if (this.queue.length === 0) return;
    const instance = this.freeInstance();
    if (!instance) {
      // Every instance died (the supervisor is restarting them): the version is unready, so the
      // queued requests are answered now (503, retry) rather than left waiting with no timer.
      if (!this.instances.some((i) => i.alive)) {
        for (const p of this.queue.splice(0)) p.reject(new HttpError('NOT_READY', 'no live instance of this model (restarting)'));
        this.settle();
      }
      return;
    }
    const head = this.queue[0]!;
    const queued = this.queue.reduce((n, p) => n + (p.key === head.key ? p.batch : 0), 0);
    const waitedUs = (performance.now() - head.enqueuedAt) * 1000;
    const full = !this.settings.coalesce || queued >= this.settings.maxBatchSize || this.settings.preferredBatchSizes.includes(queued);
    if (full || waitedUs >= this.settings.maxQueueDelayUs) {
      this.wake?.cancel();
      this.wake = undefined;
      void this.dispatch(instance);
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

  /** Requests for the next execution: timed-out ones answered, DELAYed ones only after every fresh one. */
  private take(): Pending[] {
    const now = performance.now();
    const { timeoutAction } = this.settings.queuePolicy;
    const fresh: Pending[] = [];
    const delayed: Pending[] = [];
    for (const p of this.queue) {
      if (p.deadline <= now) p.reject(new HttpError('TIMEOUT', 'request timed out in the batch queue'));
      else if (p.policyDeadline > now) fresh.push(p);
      else if (timeoutAction === 'DELAY') delayed.push(p);
      else p.reject(overloaded('request timed out in the queue (default_timeout_microseconds)', this.settings.retryAfterSeconds, 'queue_timeout'));
    }
    const limit = this.settings.coalesce ? this.settings.maxBatchSize : 0;
    const taken: Pending[] = [];
    const rest: Pending[] = [];
    let size = 0;
    let key: string | undefined;
    for (const p of [...fresh, ...delayed]) {
      const fits = taken.length === 0 || (p.key === key && size + p.batch <= limit);
      if (fits) {
        key = p.key;
        size += p.batch;
        taken.push(p);
      } else {
        rest.push(p);
      }
    }
    // Keep arrival order among what stays queued.
    this.queue = rest.sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    return taken;
  }

  private async dispatch(instance: Runner): Promise<void> {
    const batch = this.take();
    if (batch.length === 0) return this.settle();
    this.busy.add(instance);
    // Another instance may take what is still queued while this one runs.
    if (this.queue.length > 0) this.schedule();
    const start = performance.now();
    const total = batch.reduce((n, p) => n + p.batch, 0);
    try {
      const { outputs, times } = await instance.run(batch.length === 1 ? batch[0]!.inputs : concat(batch, total));
      this.onExecution(total, times);
      let offset = 0;
      for (const p of batch) {
        p.resolve({
          outputs: batch.length === 1 ? outputs : outputs.map((t) => slice(t, offset, p.batch, total)),
          queueNs: Math.round((start - p.enqueuedAt) * 1e6),
          times,
          executedBatch: total,
        });
        offset += p.batch;
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.busy.delete(instance);
      this.settle();
    }
  }

  private settle(): void {
    if (this.queue.length > 0) {
      this.schedule();
      return;
    }
    if (this.busy.size > 0) return;
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
