import type { Emitter } from '../emitter.js';
import { isModelshipError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';
import type { Slot } from '../route/slot.js';
import { topK } from '../scores.js';
import type { ModelEvents, Prediction } from '../types.js';
import { Backlog } from './backlog.js';
import { calibrationFor, type Calibration } from './calibration.js';
import { bump, UsageCounters } from './counters.js';
import { DEFAULT_DRIFT_THRESHOLDS, DEFAULT_DRIFT_WINDOW, DriftWindow, type DriftThresholds } from './drift.js';
import { inputFeatures, type InputFeatures } from './features.js';
import { LATENCY_BOUNDS_MS } from './latency-histogram.js';
import { DRIFT_QUANTITIES } from './manifest-block.js';
import { Reporter } from './reporter.js';
import { compileOodScorer, type OodScorer } from './ood-scorer.js';
import { abstainReason, temperatureSoftmax } from './scoring.js';
import type { MonitoringOptions, MonitoringSnapshot, VersionUsage } from './types.js';

/** The part of a Prediction that scoring decides. */
export type Scored = Pick<Prediction, 'label' | 'index' | 'scores' | 'top' | 'abstain' | 'abstainReason' | 'oodScore'>;

/** A call that returned, waiting for its counts and drift window (`Backlog`). */
interface ReturnedCall {
  slot: Slot;
  latencyMs: number;
  rows: readonly Scored[];
  /** Each row's input features, with its predicted class and confidence added by `score`. */
  features: readonly InputFeatures[];
}

/** Values (4 bytes each) up to which the input copy is one reused buffer: a batch of 334 MNIST pictures. */
const REUSED_COPY_LIMIT = 262_144;

/**
 * Everything monitoring does for a Model, behind three calls from the predict path: `inspect`
 * the inputs before they go to the engine (the buffer may be transferred), `score` each row of
 * outputs, `error` when a call fails. Nothing here touches the network unless `endpoint` is set.
 */
export class ModelMonitor {
  private readonly calibrations = new WeakMap<Manifest, Map<string, VariantScoring>>();
  private readonly totals = new Map<string, UsageCounters>();
  private pending = new Map<string, UsageCounters>();
  private drift: { version: string; window: DriftWindow; size: number } | undefined;
  private current: Calibration;
  private readonly reporter: Reporter | undefined;
  private readonly options: MonitoringOptions;
  /** Counting and the drift window run after the caller has its answer (backlog.ts says why). */
  private readonly backlog = new Backlog<ReturnedCall>((call) => this.apply(call));
  /** `monitoring: false`: no features, no abstain, plain softmax, nothing counted (the benchmark's baseline). */
  readonly enabled: boolean;

  constructor(
    options: MonitoringOptions | false,
    private readonly events: Emitter<ModelEvents>,
    private readonly describe: () => { name: string; channel?: string },
  ) {
    this.enabled = options !== false;
    this.options = options || {};
    this.current = { calibrated: false, reason: this.enabled ? 'no model loaded yet' : 'monitoring: false' };
    events.on('fallback', (event) => this.count(this.lastVersion, (c) => bump(c.fallbacks, `${event.from} → ${event.to}`)));
    if (this.options.endpoint && this.enabled) this.reporter = new Reporter(this.options, () => this.drain());
  }

  private lastVersion = '';
  /** The features' masks, lent to every call (inspect runs on the main thread, one call at a time). */
  private featureMasks = new Uint8Array(0);
  private inputCopy = new Float32Array(0);

  /** A slot started serving: counts how its files were found (cache hit or not). */
  loaded(slot: Slot): void {
    this.lastVersion = slot.manifest.version;
    if (this.enabled) this.current = this.calibrationOf(slot.manifest, slot.variant.id);
    this.count(slot.manifest.version, (c) => bump(c.cache, slot.cache.status));
  }

  /**
   * A copy of the inputs the engine cannot take away, in one buffer reused by every call: `inspect`
   * reads it right after the run is posted, in the same synchronous stretch, so no other call can
   * overwrite it first. A fresh 200 KB copy per batch of 64 cost ~85 µs (allocation, zeroing, GC).
   */
  copyInput(data: Float32Array): Float32Array {
    // Batches past a megabyte get a copy of their own rather than pinning that much for the model's life.
    if (data.length > REUSED_COPY_LIMIT) return data.slice();
    if (this.inputCopy.length < data.length) this.inputCopy = new Float32Array(data.length);
    const copy = this.inputCopy.subarray(0, data.length);
    copy.set(data);
    return copy;
  }

  /** Features of each row (of `copyInput`'s copy, or feedback's). */
  inspect(data: Float32Array, rows: number, manifest: Manifest): InputFeatures[] {
    if (!this.enabled) return [];
    // This runs while the engine computes: the time to catch up on the calls before this one.
    this.backlog.flush();
    const { width, height, mean, std } = manifest.preprocessing;
    const spec = { width, height, mean, std };
    if (this.featureMasks.length < width * height + width + height) this.featureMasks = new Uint8Array(width * height + width + height);
    const mask = this.featureMasks;
    return Array.from({ length: rows }, (_, row) => inputFeatures(data, spec, row * width * height, mask));
  }

  /**
   * Turns one row of raw outputs into the scored part of a Prediction. `recorded` then counts the
   * whole call once (per-row counting was a third of a batch's scoring) and adds its rows to the drift window.
   */
  score(raw: Float32Array, features: InputFeatures | undefined, slot: Slot): Scored {
    const { manifest } = slot;
    if (!this.enabled || !features) {
      const scores = manifest.outputs[0]!.kind === 'logits' ? temperatureSoftmax(raw, 1) : Array.from(raw);
      const top = topK(scores, manifest.labels, 3);
      return { label: top[0]!.label, index: top[0]!.index, scores, top, abstain: false, abstainReason: undefined, oodScore: 0 };
    }
    const { calibration, scorer } = this.scoringOf(manifest, slot.variant.id);
    this.current = calibration;
    const logits = manifest.outputs[0]!.kind === 'logits';
    const scores = calibration.calibrated ? temperatureSoftmax(raw, calibration.variant.temperature) : logits ? temperatureSoftmax(raw, 1) : Array.from(raw);
    const top = topK(scores, manifest.labels, 3);
    const best = top[0]!;
    let ood = 0;
    let reason: Prediction['abstainReason'];
    if (calibration.calibrated && scorer) {
      ood = scorer(raw, features, best.score);
      reason = abstainReason(features.inkMass, ood, best.score, calibration.variant.thresholds);
      // The features object is this row's own (made by inspect), so it carries the outputs to the drift window too rather than being copied.
      const values = features as InputFeatures & Record<string, number>;
      values['predictedClass'] = best.index;
      values['confidence'] = best.score;
    }
    return { label: best.label, index: best.index, scores, top, abstain: reason !== undefined, abstainReason: reason, oodScore: ood };
  }

  /** Counts one call's rows (scored by `score`) and its latency, and adds the rows to the drift window, once the caller has them. */
  recorded(slot: Slot, latencyMs: number, rows: readonly Scored[], features: readonly InputFeatures[]): void {
    if (!this.enabled) return;
    this.lastVersion = slot.manifest.version;
    this.backlog.add({ slot, latencyMs, rows, features });
  }

  error(error: unknown): void {
    if (!this.enabled) return;
    const code = isModelshipError(error) ? error.code : 'UNKNOWN';
    this.count(this.lastVersion, (c) => bump(c.errors, code));
  }

  snapshot(): MonitoringSnapshot {
    this.backlog.flush();
    const figures: MonitoringSnapshot['drift']['figures'] = {};
    if (this.drift) {
      for (const [name, figure] of Object.entries(this.drift.window.figures())) figures[name] = { ...figure, threshold: this.drift.window.thresholdsOf(name) };
    }
    return {
      calibrated: this.current.calibrated,
      reason: this.current.reason,
      temperature: this.current.calibrated ? this.current.variant.temperature : 1,
      versions: [...this.totals].map(([version, counters]) => usage(version, counters)),
      drift: { version: this.drift?.version ?? '', size: this.drift?.size ?? 0, filled: this.drift?.window.length ?? 0, figures },
      reports: this.reporter?.status() ?? { sent: 0, failed: 0, queued: 0, dropped: 0 },
    };
  }

  dispose(): Promise<void> {
    this.backlog.dispose();
    return this.reporter?.dispose() ?? Promise.resolve();
  }

  /** A returned call's counts, its rows in the drift window, and the window checked once. */
  private apply({ slot, latencyMs, rows, features }: ReturnedCall): void {
    const version = slot.manifest.version;
    const { calibration, scorer } = this.scoringOf(slot.manifest, slot.variant.id);
    if (calibration.calibrated && scorer) for (const values of features) this.observe(version, calibration, values as InputFeatures & Record<string, number>);
    this.count(version, (c) => {
      c.predictions += rows.length;
      bump(c.route, slot.route, rows.length);
      bump(c.runtime, slot.engine.runtime, rows.length);
      bump(c.variant, slot.variant.id, rows.length);
      c.latency.record(latencyMs, rows.length);
      for (const row of rows) if (row.abstainReason) bump(c.abstentions, row.abstainReason);
    });
    if (this.drift?.version === version) for (const event of this.drift.window.check()) this.events.emit('drift', event);
  }

  private observe(version: string, calibration: Extract<Calibration, { calibrated: true }>, values: Record<string, number>): void {
    if (this.drift?.version !== version) {
      // A new version brings its own reference: its window starts empty.
      const size = this.options.window ?? calibration.block.drift.window ?? DEFAULT_DRIFT_WINDOW;
      const override = this.options.driftThresholds;
      const thresholds: Record<string, DriftThresholds> = {};
      for (const name of DRIFT_QUANTITIES) thresholds[name] = { ...DEFAULT_DRIFT_THRESHOLDS, ...calibration.block.drift.thresholds[name], ...override };
      this.drift = { version, size, window: new DriftWindow(calibration.block.reference, size, thresholds) };
    }
    this.drift.window.record(values);
  }

  private calibrationOf(manifest: Manifest, variant: string): Calibration {
    return this.scoringOf(manifest, variant).calibration;
  }

  /** A variant's calibration and its OOD score, compiled once per manifest and variant. */
  private scoringOf(manifest: Manifest, variant: string): VariantScoring {
    let byVariant = this.calibrations.get(manifest);
    if (!byVariant) this.calibrations.set(manifest, (byVariant = new Map()));
    let scoring = byVariant.get(variant);
    if (!scoring) byVariant.set(variant, (scoring = compileScoring(calibrationFor(manifest, variant))));
    return scoring;
  }

  private count(version: string, update: (counters: UsageCounters) => void): void {
    if (!this.enabled) return;
    for (const map of this.reporter ? [this.totals, this.pending] : [this.totals]) {
      let counters = map.get(version);
      if (!counters) map.set(version, (counters = new UsageCounters()));
      update(counters);
    }
  }

  /** The figures gathered since the last report, one per version, and a fresh period. */
  private drain(): ReportBody[] {
    this.backlog.flush();
    const pending = this.pending;
    this.pending = new Map();
    const { name, channel } = this.describe();
    const drift: ReportBody['drift'] = {};
    if (this.drift)
      for (const [quantity, figure] of Object.entries(this.drift.window.figures()))
        drift[quantity] = { jensenShannon: round(figure.jensenShannon), psi: round(figure.psi) };
    return [...pending].map(([version, counters]) => ({
      schema: 1,
      model: name,
      version,
      channel: channel ?? 'default',
      predictions: counters.predictions,
      route: { ...counters.route },
      runtime: { ...counters.runtime },
      variant: { ...counters.variant },
      latency: { boundsMs: [...LATENCY_BOUNDS_MS], counts: [...counters.latency.counts] },
      errors: { ...counters.errors },
      fallbacks: { ...counters.fallbacks },
      abstentions: { ...counters.abstentions },
      cache: { ...counters.cache },
      drift: version === this.drift?.version ? drift : {},
    }));
  }
}

/**
 * One aggregated report: counts, a latency histogram and drift figures of one version over one
 * period. It holds no input, no score, no label of any single prediction.
 */
export interface ReportBody {
  schema: 1;
  model: string;
  version: string;
  channel: string;
  predictions: number;
  route: Record<string, number>;
  runtime: Record<string, number>;
  variant: Record<string, number>;
  /** Counts per bucket: at most boundsMs[i] ms, and one more for beyond the last bound. */
  latency: { boundsMs: number[]; counts: number[] };
  errors: Record<string, number>;
  fallbacks: Record<string, number>;
  abstentions: Record<string, number>;
  cache: Record<string, number>;
  drift: Record<string, { jensenShannon: number; psi: number }>;
}

interface VariantScoring {
  calibration: Calibration;
  /** Present when calibrated. */
  scorer?: OodScorer;
}

function compileScoring(calibration: Calibration): VariantScoring {
  if (!calibration.calibrated) return { calibration };
  const { block, variant } = calibration;
  const { features, oodFeatures, oneSided, classFeatures } = block;
  return { calibration, scorer: compileOodScorer({ energy: variant.energy, features, oodFeatures, oneSided, combiner: variant.combiner, classFeatures }) };
}

const round = (value: number): number => Math.round(value * 1e4) / 1e4;

function usage(version: string, c: UsageCounters): VersionUsage {
  return {
    version,
    predictions: c.predictions,
    route: { ...c.route },
    runtime: { ...c.runtime },
    variant: { ...c.variant },
    latencyMs: { p50: c.latency.quantile(0.5), p95: c.latency.quantile(0.95), p99: c.latency.quantile(0.99) },
    errors: { ...c.errors },
    fallbacks: { ...c.fallbacks },
    abstentions: { ...c.abstentions },
    cache: { ...c.cache },
  };
}
