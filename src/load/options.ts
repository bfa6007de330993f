import type { MonitoringOptions } from '../monitoring/types.js';
import type { DeviceOverrides } from '../device/types.js';
import type { FeedbackOptions } from '../feedback/types.js';
import type { FilesProgress } from '../fetch/model-files.js';
import type { ManifestLimits } from '../manifest/limits.js';
import type { ModelEvents } from '../model-types.js';
import type { RemoteConfig } from '../remote/types.js';
import type { RoutePreference } from '../route/route-policy.js';
import type { RuntimeName } from '../runtimes/types.js';
import type { KeyValueStore } from '../store/key-value-store.js';

export type LoadProgress =
  | { type: 'manifest'; url: string; version: string }
  | FilesProgress
  | { type: 'compile'; runtime: string }
  /**
   * The runtime's wasm arriving inside the worker (in parallel with the model's files), for a runtime
   * that has not started on this device before; none once it has (its files are in the HTTP cache).
   * `total`: Content-Length when the response is not compressed, else the build's inventory size; the
   * last event has `loaded === total`.
   */
  | { type: 'runtime-download'; runtime: string; url: string; loaded: number; total: number }
  | { type: 'ready'; runtime: string; variant: string; version: string };

export interface RemoteOptions extends RemoteConfig {
  /** The manifest variant the server runs, whose golden outputs prove it; default the fp32 one. */
  variant?: string;
}

export interface LoadOptions {
  /** Progress of this load only; never called after `loadModel` settles. */
  onProgress?: (event: LoadProgress) => void;
  /**
   * Aborts this load at any stage (manifest, download, compilation — the worker is terminated —,
   * proof) with ABORTED. It does not reach the Model: aborting it afterwards changes nothing, and
   * the model's own work (fallbacks, updates, worker restarts) ends with `dispose()`.
   */
  signal?: AbortSignal;
  /** A variant id from the manifest, or `auto` (default). */
  variant?: string;
  /** Runtimes allowed, best first. Default: onnx-webgpu, onnx-wasm, tfjs-webgpu, tfjs-wasm, tfjs-webgl, tfjs-cpu. */
  backends?: RuntimeName[];
  /** How far below the best variant's held-out accuracy `auto` may go for a smaller download; default 0.003. */
  maxAccuracyLoss?: number;
  /** `auto` (default), `local`, `remote`, `prefer-local` or `prefer-remote`. */
  route?: RoutePreference;
  /** A remote endpoint; `'manifest'` uses the manifest's first. Without it nothing leaves the device. */
  remote?: RemoteOptions | 'manifest';
  /** In `auto`, a measured local predict slower than this (ms) sends requests to the remote. */
  latencyBudgetMs?: number;
  /** Overrides for the device probe, for tests and for apps that know better. */
  device?: DeviceOverrides;
  /** URL of the folder that holds the runtime's .wasm/.mjs files. Default: the package's own wasm/ files, which Vite and webpack emit with the app. */
  wasmPaths?: string;
  /** Where verified model files are kept. Default: IndexedDB when present, else memory. */
  cache?: 'indexeddb' | 'memory' | 'none' | KeyValueStore;
  /** IndexedDB database name, for apps that run several independent stores. */
  cacheName?: string;
  /** Byte budget for cached versions; least recently used ones are evicted to stay under it. */
  cacheMaxBytes?: number;
  /** Ask the browser to keep this origin's storage under pressure (`navigator.storage.persist()`). */
  persistStorage?: boolean;
  /** Install a newer version in the background when the manifest names one (default true). */
  autoUpdate?: boolean;
  /** Force a rollout channel by name instead of this installation's random bucket. */
  channel?: string;
  fetch?: typeof fetch;
  /** Run in a dedicated worker (default where `Worker` exists) or in the current thread. */
  worker?: boolean;
  numThreads?: number;
  loadTimeoutMs?: number;
  runTimeoutMs?: number;
  limits?: Partial<ManifestLimits>;
  /** Opt-in feedback: with `consent: true`, `model.feedback()` sends corrected answers (their 28×28 input) to `endpoint`. */
  feedback?: FeedbackOptions;
  /** A manifest or model download with no response or no bytes for this long is retried, then fails NETWORK; default 30 000. */
  stallTimeoutMs?: number;
  /** Origins besides the manifest's own that its file paths and channel manifests may resolve to (e.g. a CDN). */
  allowedOrigins?: string[];
  onFallback?: (event: ModelEvents['fallback']) => void;
  onWarning?: (event: ModelEvents['warning']) => void;
  /**
   * Drift window and aggregated reports; without `monitoring.endpoint` nothing leaves the device.
   * `false` turns monitoring off: no abstain, plain softmax, nothing counted.
   */
  monitoring?: MonitoringOptions | false;
}
