/**
 * Restart delays of one instance slot: exponential from `initialMs` up to `maxMs`, back to
 * `initialMs` once an instance has stayed up `healthyResetMs` (so a crash a day is restarted at
 * once, and a crash loop settles at one try every `maxMs` instead of spinning).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  healthyResetMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, healthyResetMs: 30_000 };

export class Backoff {
  private next: number;
  private upSince: number | undefined;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {
    this.next = policy.initialMs;
  }

  /** An instance started in this slot at `now` (ms). */
  started(now: number): void {
    this.upSince = now;
  }

  /** The instance (or a start attempt) failed at `now`: how long to wait before the next start. */
  failed(now: number): number {
    if (this.upSince !== undefined && now - this.upSince >= this.policy.healthyResetMs) this.next = this.policy.initialMs;
    this.upSince = undefined;
    const delay = this.next;
    this.next = Math.min(this.policy.maxMs, this.next * 2);
    return delay;
  }
}
