import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeviceReport } from './report.js';

/** Prometheus `le` bounds (ms) that device latency buckets are folded into: few series, histogram_quantile still works. */
const LE_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 5000];

type Series = 'model' | 'version' | 'channel';

/**
 * What devices report, as Prometheus series per model, version and channel (prefix
 * `modelship_device_`). Latency arrives as bucket counts, so it is exposed as cumulative
 * `_bucket{le}` counters plus `_count` (prom-client's Histogram only takes single observations).
 */
export class DeviceMetrics {
  private readonly reports: Counter<Series>;
  private readonly predictions: Counter<Series | 'route' | 'runtime' | 'variant'>;
  private readonly abstentions: Counter<Series | 'reason'>;
  private readonly errors: Counter<Series | 'code'>;
  private readonly fallbacks: Counter<Series | 'path'>;
  private readonly loads: Counter<Series | 'cache'>;
  private readonly latencyBucket: Counter<Series | 'le'>;
  private readonly latencyCount: Counter<Series>;
  private readonly drift: Gauge<Series | 'quantity' | 'statistic'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const s = ['model', 'version', 'channel'] as const;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> => new Counter({ name, help, labelNames, registers });
    this.reports = counter('modelship_device_reports_total', 'Aggregated monitoring reports received from devices', s);
    this.predictions = counter('modelship_device_predictions_total', 'Predictions made on devices, by route, runtime and variant', [
      ...s,
      'route',
      'runtime',
      'variant',
    ]);
    this.abstentions = counter('modelship_device_abstentions_total', 'Predictions that abstained, by reason', [...s, 'reason']);
    this.errors = counter('modelship_device_errors_total', 'Failed predict calls on devices, by error code', [...s, 'code']);
    this.fallbacks = counter('modelship_device_fallbacks_total', 'Fallbacks on devices, by from → to', [...s, 'path']);
    this.loads = counter('modelship_device_loads_total', 'Model loads on devices, by how the files were found (hit = cache hit)', [...s, 'cache']);
    this.latencyBucket = counter('modelship_device_predict_latency_ms_bucket', 'Device predict() latency: predictions at most `le` ms (cumulative)', [
      ...s,
      'le',
    ]);
    this.latencyCount = counter('modelship_device_predict_latency_ms_count', 'Device predict() latency: predictions measured', s);
    this.drift = new Gauge({
      name: 'modelship_device_drift',
      help: 'Latest drift figure a device reported for its window',
      labelNames: [...s, 'quantity', 'statistic'],
      registers,
    });
  }

  ingest(report: DeviceReport): void {
    const series = { model: report.model, version: report.version, channel: report.channel };
    this.reports.inc(series);
    // Per-dimension counts are marginal (the device does not cross them), so each dimension is its own series.
    for (const [route, n] of Object.entries(report.route)) this.predictions.inc({ ...series, route, runtime: '', variant: '' }, n);
    for (const [runtime, n] of Object.entries(report.runtime)) this.predictions.inc({ ...series, route: '', runtime, variant: '' }, n);
    for (const [variant, n] of Object.entries(report.variant)) this.predictions.inc({ ...series, route: '', runtime: '', variant }, n);
    for (const [reason, n] of Object.entries(report.abstentions)) if (n) this.abstentions.inc({ ...series, reason }, n);
    for (const [code, n] of Object.entries(report.errors)) this.errors.inc({ ...series, code }, n);
    for (const [path, n] of Object.entries(report.fallbacks)) this.fallbacks.inc({ ...series, path }, n);
    for (const [cache, n] of Object.entries(report.cache)) if (n) this.loads.inc({ ...series, cache }, n);
    const { boundsMs, counts } = report.latency;
    let total = 0;
    for (const le of [...LE_MS, Infinity]) {
      let atMost = 0;
      counts.forEach((c, i) => {
        // Bucket i holds latencies in (boundsMs[i-1], boundsMs[i]]; the last one is beyond every bound.
        if ((boundsMs[i] ?? Infinity) <= le) atMost += c;
      });
      this.latencyBucket.inc({ ...series, le: le === Infinity ? '+Inf' : String(le) }, atMost);
      total = atMost;
    }
    this.latencyCount.inc(series, total);
    for (const [quantity, figure] of Object.entries(report.drift)) {
      this.drift.set({ ...series, quantity, statistic: 'jensen-shannon' }, figure.jensenShannon);
      this.drift.set({ ...series, quantity, statistic: 'psi' }, figure.psi);
    }
  }
}
