import { binOf, jensenShannonDistance, populationStabilityIndex, sharesOf, type ReferenceHistogram } from './histogram.js';

export type DriftStatistic = 'jensen-shannon' | 'psi';

export interface DriftThresholds {
  /** Jensen–Shannon distance; default 0.1 (Evidently, NannyML). */
  jensenShannon: number;
  /** Population stability index; default 0.25 ("act"). */
  psi: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = { jensenShannon: 0.1, psi: 0.25 };
export const DEFAULT_DRIFT_WINDOW = 200;

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

/**
 * A sliding window of the last `size` observations per tracked quantity, binned against the
 * reference. Counts are updated in O(1) per observation (a ring of bin indices), so a figure costs
 * one pass over ~10 bins. Figures are compared only once the window is full: with fewer samples
 * sampling noise alone crosses the thresholds.
 */
export class DriftWindow {
  private readonly rings = new Map<string, Int16Array>();
  private readonly counts = new Map<string, Float64Array>();
  private filled = 0;
  private cursor = 0;
  /** Names currently over a threshold, so an event fires on crossing, not on every prediction. */
  private readonly over = new Set<string>();

  constructor(
    private readonly reference: Record<string, ReferenceHistogram>,
    private readonly size = DEFAULT_DRIFT_WINDOW,
    /** Per tracked name; a name without an entry uses the anchors. */
    private readonly thresholds: Record<string, DriftThresholds> = {},
  ) {
    for (const [name, histogram] of Object.entries(reference)) {
      this.rings.set(name, new Int16Array(size).fill(-1));
      this.counts.set(name, new Float64Array(histogram.shares.length));
    }
  }

  get length(): number {
    return this.filled;
  }

  /** Adds one observation (values keyed like the reference) and returns the crossings it caused. */
  add(values: Record<string, number>): DriftEvent[] {
    for (const [name, histogram] of Object.entries(this.reference)) {
      const value = values[name];
      if (value === undefined || !Number.isFinite(value)) continue;
      const ring = this.rings.get(name)!;
      const counts = this.counts.get(name)!;
      const old = ring[this.cursor]!;
      if (old >= 0) counts[old]!--;
      const bin = binOf(histogram, value);
      ring[this.cursor] = bin;
      counts[bin]!++;
    }
    this.cursor = (this.cursor + 1) % this.size;
    this.filled = Math.min(this.size, this.filled + 1);
    return this.filled < this.size ? [] : this.crossings();
  }

  figures(): Record<string, DriftFigure> {
    const out: Record<string, DriftFigure> = {};
    for (const [name, histogram] of Object.entries(this.reference)) {
      const window = sharesOf(this.counts.get(name)!);
      const jensenShannon = jensenShannonDistance(window, histogram.shares);
      const psi = populationStabilityIndex(window, histogram.shares);
      const limit = this.thresholdsOf(name);
      out[name] = { jensenShannon, psi, drifting: this.filled >= this.size && (jensenShannon > limit.jensenShannon || psi > limit.psi) };
    }
    return out;
  }

  thresholdsOf(name: string): DriftThresholds {
    return this.thresholds[name] ?? DEFAULT_DRIFT_THRESHOLDS;
  }

  private crossings(): DriftEvent[] {
    const events: DriftEvent[] = [];
    for (const [feature, figure] of Object.entries(this.figures())) {
      const limit = this.thresholdsOf(feature);
      const checks: [DriftStatistic, number, number][] = [
        ['jensen-shannon', figure.jensenShannon, limit.jensenShannon],
        ['psi', figure.psi, limit.psi],
      ];
      for (const [statistic, value, threshold] of checks) {
        const key = `${feature}:${statistic}`;
        if (value > threshold && !this.over.has(key)) {
          this.over.add(key);
          events.push({ feature, statistic, value, threshold, window: this.filled });
        } else if (value <= threshold) this.over.delete(key);
      }
    }
    return events;
  }
}
