import type { DeviceReport } from './report.js';

export interface TimelinePoint {
  /** Start of the period, ms since the epoch. */
  t: number;
  predictions: number;
  abstentions: number;
  errors: number;
  routes: Record<string, number>;
  latency: { boundsMs: number[]; counts: number[] };
  /** The worst Jensen–Shannon distance any report in the period gave, per quantity. */
  drift: Record<string, number>;
}

export interface SeriesTimeline {
  model: string;
  version: string;
  channel: string;
  points: TimelinePoint[];
}

const MAX_POINTS = 240;
const MAX_SERIES = 64;

/**
 * Reports folded into fixed periods per model, version and channel, for the dashboard. In memory
 * and bounded (points per series, number of series): Prometheus keeps the long history.
 */
export class Timeline {
  private readonly series = new Map<string, SeriesTimeline>();

  constructor(
    private readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(report: DeviceReport): void {
    const key = `${report.model}\u0000${report.version}\u0000${report.channel}`;
    let series = this.series.get(key);
    if (!series) {
      if (this.series.size >= MAX_SERIES) return;
      this.series.set(key, (series = { model: report.model, version: report.version, channel: report.channel, points: [] }));
    }
    const t = Math.floor(this.now() / this.periodMs) * this.periodMs;
    let point = series.points[series.points.length - 1];
    if (!point || point.t !== t) {
      point = {
        t,
        predictions: 0,
        abstentions: 0,
        errors: 0,
        routes: {},
        latency: { boundsMs: report.latency.boundsMs, counts: new Array(report.latency.counts.length).fill(0) },
        drift: {},
      };
      series.points.push(point);
      if (series.points.length > MAX_POINTS) series.points.shift();
    }
    point.predictions += report.predictions;
    point.abstentions += Object.values(report.abstentions).reduce((a, b) => a + b, 0);
    point.errors += Object.values(report.errors).reduce((a, b) => a + b, 0);
    for (const [route, n] of Object.entries(report.route)) point.routes[route] = (point.routes[route] ?? 0) + n;
    if (sameBounds(point.latency.boundsMs, report.latency.boundsMs)) report.latency.counts.forEach((c, i) => (point.latency.counts[i]! += c));
    for (const [quantity, figure] of Object.entries(report.drift)) point.drift[quantity] = Math.max(point.drift[quantity] ?? 0, figure.jensenShannon);
  }

  snapshot(): SeriesTimeline[] {
    return [...this.series.values()].map((s) => ({ ...s, points: s.points.map((p) => ({ ...p })) }));
  }
}

function sameBounds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
