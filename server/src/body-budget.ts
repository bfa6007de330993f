/**
 * A cap on the bytes of request bodies held in memory at once, across all requests. Without
 * it, eight concurrent 60 MiB uploads grow the process by ~750 MB (each within the per-request
 * limit); with it, a body that would pass the cap is refused with 503 + Retry-After and its
 * bytes are never kept. A request's bytes are released when its response is done.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly capBytes: number, private readonly onChange: (usedBytes: number) => void = () => undefined) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Reserves `bytes` more; false (nothing reserved) when that would pass the cap. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.capBytes) return false;
    this.used += bytes;
    this.onChange(this.used);
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    this.onChange(this.used);
  }
}
