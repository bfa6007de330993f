/** Calls kept at most before the backlog is applied at once, whatever the page is doing. */
const DEFAULT_LIMIT = 64;
/**
 * How long the last calls of a burst may wait when no call follows. A timer per call is what this
 * file avoids: in Chromium one `setTimeout` on a thread just woken by a worker's reply costs 10–20
 * µs (bench/predict-cost.ts, "minimal, then a setTimeout"), as much as the counting it would defer.
 * One timer per this many ms serves every call made meanwhile, which the next call's `flush()` keeps short anyway.
 */
const DEFAULT_DELAY_MS = 50;

/**
 * Bookkeeping that need not delay an answer: a call's counters and drift window are updated after
 * its caller has the Prediction. The page's thread runs a call's last steps right after waking for
 * the worker's reply, when each costs several times its warm cost (bench/predict-cost.ts), so work
 * moved from there to a moment the thread would idle is time taken off every `predict()`.
 *
 * Items wait here until the first of: `flush()` from the next call while its engine computes, a
 * read of the figures, `limit` items waiting, or a timer `delayMs` after the first of them came.
 * Nothing is dropped; everything read through `flush()` first sees every call that has returned.
 */
export class Backlog<T> {
  private items: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly apply: (item: T) => void,
    private readonly limit = DEFAULT_LIMIT,
    private readonly delayMs = DEFAULT_DELAY_MS,
  ) {}

  get length(): number {
    return this.items.length;
  }

  add(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.limit) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.delayMs);
      // In Node a pending flush must not keep the process alive; a read or dispose() flushes anyway.
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Applies every waiting item now, oldest first. Safe to call from inside `apply` (it then sees a fresh backlog). */
  flush(): void {
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    for (const item of items) this.apply(item);
  }

  /** Applies what waits and stops the timer. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };
}
