import type { TensorMap } from '../engine.js';
import { abortError } from '../errors.js';
import { deserializeError } from '../errors-wire.js';
import { timeoutError } from '../abort/deadline.js';
import type { DownloadReply, LivenessReply, LivenessRequest, RunReply, RunRequest, RuntimeDownload, SharedReady, SharedSetup } from './protocol.js';
import { awaitReply, closeSlot, createSharedSlot, fits, lastReply, OUTPUT, postRequest, readOutput, type SharedSlot } from './shared-slot.js';
import { tensorBuffers } from './transfer.js';

/** The shared-memory slot of a channel: the one input and output it carries; `ready` once the worker serves it, `busy` while a run holds it. */
interface SharedState {
  slot: SharedSlot;
  input: string;
  output: string;
  ready: boolean;
  busy: boolean;
}

interface Pending {
  resolve: (outputs: TensorMap) => void;
  reject: (error: Error) => void;
  /** `performance.now()` when the run was posted. */
  at: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** What runs travel on: the worker itself in the library (protocol.ts says why), a MessagePort in tests. */
export interface RunEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/**
 * The main-thread end of the run channel: requests get increasing ids, replies are matched by id.
 *
 * Deadlines: one timer for the channel, not one per run. A batch-1 run is a fraction of a
 * millisecond, and a timer set and cleared plus a promise around every call cost a measurable part
 * of it (bench/predict-cost.ts). Runs share one timeout, so the oldest (the first in the map) is the
 * next to expire: the timer fires at its deadline, or is armed again for it.
 */
export class RunChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Set by the engine that adopts this channel: a run without a reply by then rejects TIMEOUT, then `onTimeout` (ending the worker). */
  timeoutMs = 30_000;
  onTimeout: () => void = () => undefined;
  /** Receives the liveness replies (see `liveness.ts`). */
  onLiveness: ((reply: LivenessReply) => void) | undefined;
  /** Set by `shareMemory`. */
  private shared: SharedState | undefined;

  /** `onDownload`: the runtime's download progress while it starts (see `runtime-download.ts`). */
  constructor(
    private readonly port: RunEndpoint,
    onDownload?: (download: RuntimeDownload) => void,
  ) {
    port.onmessage = (event: MessageEvent<RunReply | LivenessReply | DownloadReply | SharedReady>) => {
      const data = event.data;
      if ('id' in data) this.settle(data);
      else if ('download' in data) onDownload?.(data.download);
      else if ('sharedReady' in data) {
        if (this.shared) this.shared.ready = true;
      } else this.onLiveness?.(data);
    };
  }

  get pendingRuns(): number {
    return this.pending.size;
  }

  /** Whether runs may go through shared memory now (`shareMemory` called and the worker serves the slot). */
  get sharing(): boolean {
    return this.shared?.ready === true;
  }

  sendLiveness(request: LivenessRequest): void {
    this.port.postMessage(request, []);
  }

  /**
   * From now on a run of the one input `input` that finds the slot free and fits it travels through
   * shared memory (shared-slot.ts), its reply of the one output `output` too; any other run (a second
   * one in flight, a batch too large) is a message as before; so is every run until the worker says it
   * serves the slot. Needs a cross-origin isolated page.
   */
  shareMemory(input: string, output: string): void {
    const slot = createSharedSlot();
    this.port.postMessage({ shared: slot.buffer, input, output } satisfies SharedSetup, []);
    this.shared = { slot, input, output, ready: false, busy: false };
  }

  /** Posts the request synchronously (the caller's work after this call overlaps the worker's). `signal`: rejects ABORTED at once; a late reply is dropped. */
  run(feeds: TensorMap, signal?: AbortSignal): Promise<TensorMap> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.nextId++;
    return new Promise<TensorMap>((resolve, reject) => {
      const entry: Pending = { resolve, reject, at: performance.now(), signal };
      if (signal) {
        entry.onAbort = () => {
          if (this.take(id)) reject(abortError(signal));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
      this.arm(this.timeoutMs);
      if (this.shared?.ready && !this.shared.busy && this.postShared(id, feeds, this.shared)) return;
      const request: RunRequest = { id, feeds };
      this.port.postMessage(request, tensorBuffers(feeds));
    });
  }

  /** Sends run `id` through the slot when it is the slot's one input and fits; false: it goes as a message. */
  private postShared(id: number, feeds: TensorMap, shared: SharedState): boolean {
    let inputs = 0;
    for (const name in feeds) if (Object.hasOwn(feeds, name)) inputs++;
    const tensor = feeds[shared.input];
    if (inputs !== 1 || !tensor || !fits(shared.slot, tensor.dims, tensor.data.length)) return false;
    shared.busy = true;
    const previous = lastReply(shared.slot);
    postRequest(shared.slot, id, tensor.data, tensor.dims);
    // BY_MESSAGE: the reply's message settles the run; undefined: the slot was closed and the run rejected with the rest.
    void awaitReply(shared.slot, id, previous).then((status) => {
      const output = status === OUTPUT ? { [shared.output]: readOutput(shared.slot) } : undefined;
      shared.busy = false;
      // A run aborted or timed out meanwhile is no longer pending: its late answer only frees the slot.
      if (output) this.take(id)?.resolve(output);
    });
    return true;
  }

  /** A reply that will never come (the worker died or timed out) must not leave its promise hanging. */
  rejectAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(error);
  }

  /** Stops listening; the endpoint itself (the worker) is the engine's to end. */
  close(): void {
    clearTimeout(this.timer);
    this.port.onmessage = null;
    if (this.shared) closeSlot(this.shared.slot);
  }

  private settle(reply: RunReply): void {
    const entry = this.take(reply.id);
    if (!entry) return;
    if (reply.ok) entry.resolve(reply.value);
    else entry.reject(deserializeError(reply.error));
  }

  /** Removes a run and its abort listener; undefined when it was already settled. */
  private take(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  }

  /** Rejects the oldest run if it is past its deadline (then the engine ends the worker), and waits for the next. */
  private readonly expire = (): void => {
    this.timer = undefined;
    const [id, entry] = this.pending.entries().next().value ?? [];
    if (entry === undefined) return;
    const left = entry.at + this.timeoutMs - performance.now();
    if (left > 0) {
      this.arm(left);
      return;
    }
    this.take(id!)!.reject(timeoutError('Inference', this.timeoutMs));
    this.onTimeout();
    if (this.pending.size > 0) this.arm(0);
  };

  /** Left armed when the channel goes idle (it then fires once and finds nothing); it never keeps Node alive. */
  private arm(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(this.expire, ms);
    (this.timer as { unref?: () => void }).unref?.();
  }
}
