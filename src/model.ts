import type { DeviceProfile } from './device/types.js';
import type { Emitter } from './emitter.js';
import type { RunRows } from './explain/explain.js';
import type { FeedbackClient } from './feedback/client.js';
import { consentRequired } from './feedback/consent.js';
import { PredictionIds } from './feedback/prediction-id.js';
import type { FeedbackCallOptions, FeedbackResult } from './feedback/types.js';
import type { ExplainOptions, Explanation } from './explain/types.js';
import { checkPredictOptions, checkSubscription, readInputs } from './args/model-args.js';
import { ModelshipError, asModelshipError } from './errors.js';
import type { ModelInput } from './preprocess/input.js';
import { toPredictions } from './predictions.js';
import type { RemoteOptions } from './load/options.js';
import type { Router } from './route/router.js';
import type { ModelCache } from './store/model-cache.js';
import { storageEstimate } from './store/persistence.js';
import type { ResolvedManifest } from './load/resolved-manifest.js';
import type { TimedPhase } from './load/timings.js';
import { toLoadTimings } from './load/timings-report.js';
import type { UpdateResult, Updater } from './lifecycle/updater.js';
import type { ModelEvents, ModelInfo, PredictOptions, Prediction } from './model-types.js';
import { calibrationFor } from './monitoring/calibration.js';
import { ModelMonitor } from './monitoring/monitor.js';
import type { MonitoringOptions, MonitoringSnapshot } from './monitoring/types.js';

export interface ModelParts {
  manifestUrl: string;
  router: Router;
  /** Creates the updater on first need: the update machinery is a chunk of its own. */
  lifecycle: () => Promise<Updater>;
  /** Ends with `dispose()`: aborts fallbacks, background updates and worker restarts still running. */
  lifetime: AbortController;
  /** How the first version was resolved: its source and rollout channel. */
  resolved: ResolvedManifest;
  /** Input checks and picture preprocessing: a chunk of its own, requested when the load starts. */
  preprocess: Promise<typeof import('./preprocess/input.js')>;
  cache: ModelCache | undefined;
  device: DeviceProfile;
  planNotes: string[];
  remote: RemoteOptions | undefined;
  fallbackRoute: 'local' | 'remote' | undefined;
  events: Emitter<ModelEvents>;
  monitoring?: MonitoringOptions | false;
  /** Where the load that made this Model spent its time: epoch ms, turned into `info().timings` here (outside the core's bytes). */
  timings: { origin: number; end: number; phases: TimedPhase[] };
  /** Present when the app configured `feedback` (its own chunk); keeps inputs and sends only with consent. */
  feedback?: FeedbackClient;
}

const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

export class Model {
  private disposed = false;
  private storage: ModelInfo['storage'] = { cacheBytes: 0 };
  private updater: Promise<Updater> | undefined;
  private readonly monitor: ModelMonitor;
  private readonly ids = new PredictionIds();
  /** The preprocessing chunk once it is in: later calls read it without an await (a turn of the microtask queue per call). */
  private preprocessing: Preprocessing | undefined;

  constructor(private readonly parts: ModelParts) {
    const refresh = (): void => void this.refreshStorage();
    parts.events.on('update', refresh);
    parts.events.on('rollback', refresh);
    this.monitor = new ModelMonitor(parts.monitoring ?? {}, parts.events, () => ({
      name: parts.router.primary.manifest.name,
      channel: this.info().channel?.name,
    }));
    this.monitor.loaded(parts.router.primary);
    parts.events.on('update', () => this.monitor.loaded(parts.router.primary));
  }

  /** Counts, latency, errors, fallbacks, abstentions, cache hits per version, and the drift window's figures. */
  monitoring(): MonitoringSnapshot {
    return this.monitor.snapshot();
  }

  /** Revalidates the manifest now and, when it names a newer version, installs it and switches atomically. */
  checkForUpdate(): Promise<UpdateResult> {
    this.assertLive();
    return this.getUpdater().then((updater) => updater.checkForUpdate());
  }

  /** Installs a version the load found newer than the cached one, while the cached one serves. */
  installInBackground(next: ResolvedManifest): Promise<UpdateResult> {
    this.assertLive();
    return this.getUpdater().then((updater) => updater.checkForUpdate(next));
  }

  /**
   * Goes back to the newest cached version older than the one running, atomically; the version left
   * is not installed again on this device. Rejects with ROLLBACK_UNAVAILABLE when none is cached.
   */
  rollback(): Promise<UpdateResult> {
    this.assertLive();
    return this.getUpdater().then((updater) => updater.rollback());
  }

  /** Re-reads cache usage and the origin's storage estimate into `info().storage`. */
  async refreshStorage(): Promise<ModelInfo['storage']> {
    const [cacheBytes, estimate] = await Promise.all([this.parts.cache?.usageBytes().catch(() => 0) ?? 0, storageEstimate()]);
    this.storage = { cacheBytes, usage: estimate.usage, quota: estimate.quota, persisted: estimate.persisted };
    return this.storage;
  }

  /** Classifies one input: preprocessed values, ImageData, a canvas or an ImageBitmap. */
  predict(input: ModelInput, options?: PredictOptions): Promise<Prediction> {
    // Not async, like predictBatch and runRows: the answer's path is one reaction per layer rather than an
    // await and a return each, hops that cost the page's thread most right after it wakes for the reply.
    if (this.disposed) return Promise.reject(disposedError());
    const started = now();
    return this.guarded(() => {
      const checked = checkPredictOptions(options);
      return this.withPreprocessing(({ toInputTensor }) =>
        this.runRows(
          readInput(() => toInputTensor(input, this.parts.router.primary.manifest), 'input'),
          1,
          started,
          checked,
          firstRow,
        ),
      );
    });
  }

  /** Many inputs in one worker call and one runtime run. */
  predictBatch(inputs: ModelInput[], options?: PredictOptions): Promise<Prediction[]> {
    if (this.disposed) return Promise.reject(disposedError());
    const started = now();
    return this.guarded(() => {
      const checked = checkPredictOptions(options);
      const rows = readInputs<ModelInput>(inputs);
      if (rows.length === 0) return Promise.resolve([]);
      return this.withPreprocessing(({ toBatchTensor }) =>
        this.runRows(readInput(() => toBatchTensor(rows, this.parts.router.primary.manifest), 'inputs').data, rows.length, started, checked, allRows),
      );
    });
  }

  /** What the answer rests on: occlusion sensitivity of the predicted class, all occluded copies in one run (src/explain/). */
  async explain(input: ModelInput, options: ExplainOptions = {}): Promise<Explanation> {
    this.assertLive();
    // Occlusion is a chunk of its own, requested on the first explain(): predict-only apps never download it.
    const [{ explainInput }, { toInputTensor }] = await Promise.all([import('./explain/explain.js'), this.parts.preprocess]);
    const manifest = this.parts.router.primary.manifest;
    const data = readInput(() => toInputTensor(input, manifest), 'input');
    return explainInput(data, manifest, this.runRaw, options);
  }

  /**
   * Says what the right label of an earlier answer was (by the Prediction or its `id`). Opt-in: without
   * `loadModel(url, { feedback: { endpoint, consent: true } })` it rejects with CONSENT_REQUIRED and sends nothing.
   */
  async feedback(prediction: Prediction | string, label: string | number, options: FeedbackCallOptions = {}): Promise<FeedbackResult> {
    this.assertLive();
    const client = this.parts.feedback;
    if (!client?.consented) throw consentRequired();
    const { manifest } = this.parts.router.primary;
    const id = typeof prediction === 'string' ? prediction : prediction?.id;
    const { width, height } = manifest.preprocessing;
    return client.submit(String(id), label, { name: manifest.name, labels: manifest.labels, channel: this.info().channel?.name, width, height }, options);
  }

  info(): ModelInfo {
    const { router, remote } = this.parts;
    const slot = router.primary;
    const manifest = slot.manifest;
    const remoteSlot = [router.primary, router.secondary].find((candidate) => candidate?.route === 'remote');
    const health = remoteSlot?.engine.health();
    return {
      name: manifest.name,
      version: manifest.version,
      variant: slot.variant.id,
      precision: slot.variant.precision,
      purpose: manifest.purpose,
      inputFormat: manifest.inputFormat,
      labels: [...manifest.labels],
      route: slot.route,
      runtime: slot.engine.runtime,
      runtimeVersion: slot.engine.runtimeVersion,
      executionProvider: slot.engine.executionProvider,
      transport: slot.engine.transport && { ...slot.engine.transport },
      reason: slot.reason,
      manifestUrl: this.parts.manifestUrl,
      cache: { ...slot.cache },
      accuracy: slot.variant.accuracy,
      device: this.parts.device,
      planNotes: [...this.parts.planNotes],
      remote: remote ? { url: remote.url, protocol: remote.protocol, health } : undefined,
      fallbackRoute: this.parts.fallbackRoute,
      channel: channelInfo(this.parts.resolved),
      manifestSource: this.parts.resolved.source,
      storage: { ...this.storage },
      timings: toLoadTimings(this.parts.timings.origin, this.parts.timings.end, this.parts.timings.phases),
      monitoring:
        this.parts.monitoring === false
          ? { calibrated: false, reason: 'monitoring: false' }
          : (({ calibrated, reason }) => ({ calibrated, reason }))(calibrationFor(manifest, slot.variant.id)),
    };
  }

  on<K extends keyof ModelEvents>(event: K, handler: (payload: ModelEvents[K]) => void): () => void {
    checkSubscription(event, handler);
    return this.parts.events.on(event, handler);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // The model's own work ends here: nothing the load started outlives it, and nothing outlives this.
    this.parts.lifetime.abort(new ModelshipError('DISPOSED', 'This model was disposed'));
    this.parts.feedback?.dispose();
    await Promise.all([this.parts.router.dispose(), this.monitor.dispose()]);
  }

  /** Runs `rows` inputs and turns the answer into Predictions, handed to `pick` (one row or all); a failure is counted and rethrown. */
  private runRows<T>(data: Float32Array, rows: number, started: number, options: PredictOptions, pick: (predictions: Prediction[]) => T): Promise<T> {
    const { router } = this.parts;
    // Input names and shapes are fixed across versions of one model; labels and version come from the slot that answered.
    const input = router.primary.manifest.inputs[0]!;
    const kept = this.parts.feedback?.keep(data);
    // The engine may take (transfer) the buffer, so monitoring reads a copy (feedback's, when it keeps one), and reads it while the
    // worker computes: the features then cost the caller nothing (bench/monitoring.ts measures it).
    const copy = this.monitor.enabled ? (kept ?? this.monitor.copyInput(data)) : undefined;
    const running = router.run({ [input.name]: { data, dims: [rows, ...input.shape.slice(1)] } }, options);
    const features = copy ? this.monitor.inspect(copy, rows, router.primary.manifest) : [];
    // Drawn while the worker computes, like the features: the answer's ids do not depend on it (a failed call drops them).
    const ids = Array.from({ length: rows }, () => this.ids.draw());
    return running.then((answer) => {
      try {
        const predictions = toPredictions(answer, { rows, features, ids, latencyMs: now() - started }, this.monitor);
        this.parts.feedback?.remember(
          predictions.map((p) => p.id),
          kept,
          predictions,
        );
        return pick(predictions);
      } catch (error) {
        throw this.noteFailure(error);
      }
    }, this.failed);
  }

  /**
   * Runs `use` with the preprocessing chunk: at once when it is in (no await, a turn of the microtask
   * queue per call; the caller's `guarded` takes a throw), else when the chunk the load requested arrives.
   */
  private withPreprocessing<T>(use: (preprocessing: Preprocessing) => Promise<T>): Promise<T> {
    if (this.preprocessing) return use(this.preprocessing);
    return this.parts.preprocess.then((loaded) => {
      this.preprocessing = loaded;
      return this.guarded(() => use(loaded));
    }, this.failed);
  }

  /** `start()`'s promise, or its synchronous throw as a rejection (counted): a call's input errors reject, never throw. */
  private guarded<T>(start: () => Promise<T>): Promise<T> {
    try {
      return start();
    } catch (error) {
      return Promise.reject(this.noteFailure(error));
    }
  }

  /** Counts a failed call by its code and hands the error on. */
  private noteFailure(error: unknown): unknown {
    this.monitor.error(error);
    return error;
  }

  private readonly failed = (error: unknown): never => {
    throw this.noteFailure(error);
  };

  /** Raw outputs of one batched run, below predictions (so explanations do not count as predictions). */
  private readonly runRaw: RunRows = async (data, rows, signal) => {
    const input = this.parts.router.primary.manifest.inputs[0]!;
    const { outputs, slot } = await this.parts.router.run({ [input.name]: { data, dims: [rows, ...input.shape.slice(1)] } }, { signal });
    const raw = outputs[slot.manifest.outputs[0]!.name]?.data ?? new Float32Array(0);
    return { raw, manifest: slot.manifest, route: slot.route, runtime: slot.engine.runtime };
  };

  private getUpdater(): Promise<Updater> {
    this.updater ??= this.parts.lifecycle();
    return this.updater;
  }

  private assertLive(): void {
    if (this.disposed) throw disposedError();
  }
}

type Preprocessing = typeof import('./preprocess/input.js');

const disposedError = (): ModelshipError => new ModelshipError('DISPOSED', 'This model was disposed; call loadModel again');
const firstRow = (predictions: Prediction[]): Prediction => predictions[0]!;
const allRows = (predictions: Prediction[]): Prediction[] => predictions;

/** Preprocessing reads the caller's object: a throwing getter or a Proxy's trap is bad input, said so. */
function readInput<T>(read: () => T, field: string): T {
  try {
    return read();
  } catch (error) {
    throw asModelshipError(error, 'INPUT_INVALID', `${field} could not be read`, { field });
  }
}

function channelInfo(resolved: ResolvedManifest): ModelInfo['channel'] {
  const choice = resolved.channel;
  if (!choice?.channel) return undefined;
  return { name: choice.channel.name, version: choice.version ?? resolved.manifest.version, reason: choice.reason };
}
