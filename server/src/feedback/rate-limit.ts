/**
 * Token buckets per client (by address: the socket's, or the one trusted proxies forwarded; see client-address.ts): `burst` requests at once, refilled at
 * `perMinute`. Buckets idle long enough to be full again are forgotten, so the map stays bounded
 * by the clients of the last minute or so. The clock is injected for tests.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(client: string): number {
    const now = this.clock();
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(now, rate);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / rate / 1000);
  }

  private forgetFull(now: number, rate: number): void {
    for (const [client, bucket] of this.buckets) if (bucket.tokens + (now - bucket.at) * rate >= this.burst) this.buckets.delete(client);
  }
}
