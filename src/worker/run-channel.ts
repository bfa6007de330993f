import type { TensorMap } from '../engine.js';
import { ModelshipError, abortError } from '../errors.js';
import { deserializeError } from '../errors-wire.js';
import type { DownloadReply, LivenessReply, LivenessRequest, RunReply, RunRequest, RuntimeDownload } from './protocol.js';
import { tensorBuffers } from './transfer.js';

export interface RunCallOptions {
  /** The run rejects TIMEOUT when no reply came by then, and `onTimeout` is called (it ends the worker). */
  timeoutMs: number;
  onTimeout: () => void;
  /** The caller's signal: the run rejects ABORTED at once; its reply, if one comes, is dropped. */
  signal?: AbortSignal;
}

interface Pending {
  resolve: (outputs: TensorMap) => void;
  reject: (error: Error) => void;
  /** `performance.now()` past which the run has timed out. */
  deadline: number;
  timeoutMs: number;
  onTimeout: () => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const clock = (): number => performance.now();

/**
 * The main-thread end of the run port: requests get increasing ids, replies are matched by id.
 *
 * Deadlines: one timer for the channel, not one per run. A batch-1 run is a fraction of a
 * millisecond and a timer set and cleared per call cost about as much as the rest of this file
 * (bench: `npm run bench`); the timer fires at the oldest run's deadline (runs share one timeout,
 * so the oldest is the first in the map) and is armed again for the next one.
 */
export class RunChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Receives the liveness replies (see `liveness.ts`). */
  onLiveness: ((reply: LivenessReply) => void) | undefined;
  /** Receives the runtime's download progress while it starts (see `runtime-download.ts`). */
  onDownload: ((download: RuntimeDownload) => void) | undefined;

  constructor(private readonly port: MessagePort) {
    port.onmessage = (event: MessageEvent<RunReply | LivenessReply | DownloadReply>) => {
      const data = event.data;
      if ('id' in data) this.settle(data);
      else if ('download' in data) this.onDownload?.(data.download);
      else this.onLiveness?.(data);
    };
  }

  get pendingRuns(): number {
    return this.pending.size;
  }

  sendLiveness(request: LivenessRequest): void {
    this.port.postMessage(request);
  }

  /** Posts the request synchronously (the caller's work after this call overlaps the worker's). */
  run(feeds: TensorMap, options: RunCallOptions): Promise<TensorMap> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.nextId++;
    return new Promise<TensorMap>((resolve, reject) => {
      const entry: Pending = { resolve, reject, deadline: clock() + options.timeoutMs, timeoutMs: options.timeoutMs, onTimeout: options.onTimeout, signal, onAbort: undefined };
      if (signal) {
        entry.onAbort = () => {
          if (this.pending.get(id) !== entry) return;
          this.pending.delete(id);
          reject(abortError(signal));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
      if (this.timer === undefined) this.arm(options.timeoutMs);
      const request: RunRequest = { id, feeds };
      this.port.postMessage(request, tensorBuffers(feeds));
    });
  }

  /** A reply that will never come (the worker died or timed out) must not leave its promise hanging. */
  rejectAll(error: Error): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      release(entry);
      entry.reject(error);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.port.onmessage = null;
    this.port.close();
  }

  private settle(reply: RunReply): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    this.pending.delete(reply.id);
    release(entry);
    if (reply.ok) entry.resolve(reply.value);
    else entry.reject(deserializeError(reply.error));
  }

  /** Rejects every run past its deadline (then lets the engine end the worker), and waits for the next one. */
  private readonly expire = (): void => {
    this.timer = undefined;
    const now = clock();
    const expired: Pending[] = [];
    for (const [id, entry] of this.pending) {
      if (entry.deadline > now) break;
      this.pending.delete(id);
      release(entry);
      expired.push(entry);
    }
    for (const entry of expired) {
      entry.reject(new ModelshipError('TIMEOUT', `Inference did not finish within ${entry.timeoutMs} ms`, { details: { timeoutMs: entry.timeoutMs } }));
    }
    expired[0]?.onTimeout();
    const next = this.pending.values().next();
    if (!next.done && this.timer === undefined) this.arm(Math.max(0, next.value.deadline - clock()));
  };

  /** Left armed when the channel goes idle (it then fires once and finds nothing); it never keeps Node alive. */
  private arm(ms: number): void {
    const timer = setTimeout(this.expire, ms);
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }
}

function release(entry: Pending): void {
  if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
}
