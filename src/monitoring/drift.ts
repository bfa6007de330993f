import { binOf, jensenShannonDistance, populationStabilityIndex, type ReferenceHistogram } from './histogram.js';

export type DriftStatistic = 'jensen-shannon' | 'psi';

export interface DriftThresholds {
  /** Jensen–Shannon distance; default 0.1 (Evidently, NannyML). */
  jensenShannon: number;
  /** Population stability index; default 0.25 ("act"). */
  psi: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = { jensenShannon: 0.1, psi: 0.25 };
export const DEFAULT_DRIFT_WINDOW = 200;
/** Thresholds are checked every this many observations (a batch: once, at its end): a window statistic moves slowly, and the check is most of the cost. */
export const DRIFT_CHECK_EVERY = 10;

export interface DriftFigure {
  jensenShannon: number;
  psi: number;
  drifting: boolean;
}

export interface DriftEvent {
  /** An input feature name, or `predictedClass` / `confidence`. */
  feature: string;
  statistic: DriftStatistic;
  value: number;
  threshold: number;
  /** How many predictions the window held. */
  window: number;
}

interface Tracked {
  name: string;
  histogram: ReferenceHistogram;
  ring: Int16Array;
  counts: Float64Array;
  shares: Float64Array;
  thresholds: DriftThresholds;
}

/**
 * A sliding window of the last `size` observations per tracked quantity, binned against the
 * reference. Counts are updated in O(1) per observation (a ring of bin indices); figures cost one
 * pass over ~10 bins per quantity and are compared every DRIFT_CHECK_EVERY observations once the
 * window is full (with fewer samples, sampling noise alone crosses the thresholds).
 */
export class DriftWindow {
  private readonly tracked: Tracked[];
  private filled = 0;
  private cursor = 0;
  private sinceCheck = 0;
  /** Names currently over a threshold, so an event fires on crossing, not on every prediction. */
  private readonly over = new Set<string>();

  constructor(
    reference: Record<string, ReferenceHistogram>,
    private readonly size = DEFAULT_DRIFT_WINDOW,
    /** Per tracked name; a name without an entry uses the anchors. */
    thresholds: Record<string, DriftThresholds> = {},
  ) {
    this.tracked = Object.entries(reference).map(([name, histogram]) => ({
      name,
      histogram,
      ring: new Int16Array(size).fill(-1),
      counts: new Float64Array(histogram.shares.length),
      shares: new Float64Array(histogram.shares.length),
      thresholds: thresholds[name] ?? DEFAULT_DRIFT_THRESHOLDS,
    }));
  }

  get length(): number {
    return this.filled;
  }

  /** Adds one observation (values keyed like the reference) and returns the crossings it caused. */
  add(values: Record<string, number>): DriftEvent[] {
    this.record(values);
    return this.check();
  }

  /** Adds one observation without checking: a batch records its rows, then checks once. */
  record(values: Record<string, number>): void {
    for (const t of this.tracked) {
      const value = values[t.name];
      const old = t.ring[this.cursor]!;
      if (old >= 0) t.counts[old]!--;
      if (value === undefined || !Number.isFinite(value)) {
        t.ring[this.cursor] = -1;
        continue;
      }
      const bin = binOf(t.histogram, value);
      t.ring[this.cursor] = bin;
      t.counts[bin]!++;
    }
    this.cursor = (this.cursor + 1) % this.size;
    this.filled = Math.min(this.size, this.filled + 1);
    if (this.filled === this.size) this.sinceCheck++;
  }

  /** The thresholds crossed since the last check, once the window is full and DRIFT_CHECK_EVERY observations have come in since. */
  check(): DriftEvent[] {
    if (this.filled < this.size || this.sinceCheck < DRIFT_CHECK_EVERY) return [];
    this.sinceCheck = 0;
    return this.crossings();
  }

  figures(): Record<string, DriftFigure> {
    const out: Record<string, DriftFigure> = {};
    for (const t of this.tracked) {
      const { jensenShannon, psi } = this.figure(t);
      out[t.name] = { jensenShannon, psi, drifting: this.filled >= this.size && (jensenShannon > t.thresholds.jensenShannon || psi > t.thresholds.psi) };
    }
    return out;
  }

  thresholdsOf(name: string): DriftThresholds {
    return this.tracked.find((t) => t.name === name)?.thresholds ?? DEFAULT_DRIFT_THRESHOLDS;
  }

  private figure(t: Tracked): { jensenShannon: number; psi: number } {
    let total = 0;
    for (let i = 0; i < t.counts.length; i++) total += t.counts[i]!;
    for (let i = 0; i < t.counts.length; i++) t.shares[i] = total ? t.counts[i]! / total : 0;
    return { jensenShannon: jensenShannonDistance(t.shares, t.histogram.shares), psi: populationStabilityIndex(t.shares, t.histogram.shares) };
  }

  private crossings(): DriftEvent[] {
    const events: DriftEvent[] = [];
    for (const t of this.tracked) {
      const figure = this.figure(t);
      const checks: [DriftStatistic, number, number][] = [
        ['jensen-shannon', figure.jensenShannon, t.thresholds.jensenShannon],
        ['psi', figure.psi, t.thresholds.psi],
      ];
      for (const [statistic, value, threshold] of checks) {
        const key = `${t.name}:${statistic}`;
        if (value > threshold && !this.over.has(key)) {
          this.over.add(key);
          events.push({ feature: t.name, statistic, value, threshold, window: this.filled });
        } else if (value <= threshold) this.over.delete(key);
      }
    }
    return events;
  }
}
