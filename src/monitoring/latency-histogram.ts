/**
 * Latency as counts in fixed log-spaced buckets: constant memory, O(1) to record, mergeable by
 * adding counts (so the server can sum reports from many devices), with quantiles accurate to
 * the bucket width (~12%). Upper bounds in ms: 0.01 · 1.25^i for i in 0..63 (0.01 ms to ~13 s).
 */
export const LATENCY_BOUNDS_MS: readonly number[] = Array.from({ length: 64 }, (_, i) => +(0.01 * 1.25 ** i).toPrecision(4));

export class LatencyHistogram {
  readonly counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  total = 0;

  /** `times`: one call's latency counts once for each of its rows. */
  record(ms: number, times = 1): void {
    let low = 0;
    let high = LATENCY_BOUNDS_MS.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (ms <= LATENCY_BOUNDS_MS[mid]!) high = mid;
      else low = mid + 1;
    }
    this.counts[low]! += times;
    this.total += times;
  }

  /** The upper bound of the bucket holding the q-quantile; NaN with no samples. */
  quantile(q: number): number {
    return quantileOfCounts(this.counts, q);
  }
}

export function quantileOfCounts(counts: readonly number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return LATENCY_BOUNDS_MS[Math.min(i, LATENCY_BOUNDS_MS.length - 1)]!;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}
