import { ModelshipError } from '../errors.js';
import { anySignal, raceAbort } from '../abort/signals.js';

/** No response headers and no body bytes for this long means the transfer is stuck; default 30 s. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/**
 * A deadline that moves with progress: it fires only when nothing arrived for `stallMs`, so a
 * slow but moving download never times out while a server that accepts and then says nothing
 * cannot keep a load pending forever. `signal` aborts the request (and so its body stream).
 */
export class StallGuard {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly combined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly stallMs: number,
    caller: AbortSignal | undefined,
  ) {
    this.combined = anySignal([caller, this.controller.signal]);
    this.signal = this.combined.signal;
    this.touch();
  }

  /** Something arrived: the deadline starts over. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new Error('stalled')), this.stallMs);
  }

  get stalled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Settles like `work` or rejects the moment the guard fires, even if `work` (an injected fetch, say) ignores the signal. */
  race<T>(work: Promise<T>): Promise<T> {
    return raceAbort(work, this.signal);
  }

  /** NETWORK, retryable, naming what stalled. */
  error(url: string, what: string, cause?: unknown): ModelshipError {
    return new ModelshipError('NETWORK', `${url}: no ${what} for ${this.stallMs} ms`, {
      cause,
      details: { url, stalled: true, stallTimeoutMs: this.stallMs, transient: true },
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.combined.dispose();
  }
}
