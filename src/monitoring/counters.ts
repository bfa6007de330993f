import { LatencyHistogram } from './latency-histogram.js';

/** Distinct keys kept per counter; more fold into "other" so a stream of unique messages cannot grow memory or a report. */
const MAX_KEYS = 32;

export type Counts = Record<string, number>;

export function bump(counts: Counts, key: string, by = 1): void {
  const name = key in counts || Object.keys(counts).length < MAX_KEYS ? key : 'other';
  counts[name] = (counts[name] ?? 0) + by;
}

/** Aggregated figures of one model version over a period: what a report carries and `monitoring()` shows. */
export class UsageCounters {
  predictions = 0;
  readonly route: Counts = {};
  readonly runtime: Counts = {};
  readonly variant: Counts = {};
  readonly latency = new LatencyHistogram();
  readonly errors: Counts = {};
  readonly fallbacks: Counts = {};
  readonly abstentions: Counts = { empty: 0, 'out-of-distribution': 0, 'low-confidence': 0 };
  readonly cache: Counts = { hit: 0, stored: 0, uncached: 0 };
}
