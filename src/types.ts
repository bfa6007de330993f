import type { DeviceOverrides, DeviceProfile } from './device/types.js';
import type { ModelshipWarningCode } from './errors.js';
import type { ManifestLimits } from './manifest/limits.js';
import type { RemoteHealth } from './remote/types.js';
import type { RemoteOptions } from './route/connect-remote.js';
import type { RoutePreference } from './route/route-policy.js';
import type { RuntimeName } from './runtimes/types.js';
import type { KeyValueStore } from './store/key-value-store.js';
import type { ModelInput } from './preprocess/input.js';
import type { FeedbackOptions } from './feedback/types.js';

export type { DeviceOverrides, DeviceProfile, ModelInput, RemoteHealth, RemoteOptions, RoutePreference, RuntimeName };

export type LoadProgress =
  | { type: 'manifest'; url: string; version: string }
  | { type: 'cache-hit'; variant: string; bytes: number }
  | { type: 'download'; file: string; loaded: number; total: number; overall: { loaded: number; total: number } }
  | { type: 'verify'; file: string }
  | { type: 'compile'; runtime: string }
  | { type: 'ready'; runtime: string; variant: string; version: string };

export interface TopEntry {
  label: string;
  index: number;
  score: number;
}

export interface Prediction {
  /** Unique per answer: what `model.feedback(prediction, label)` refers to. */
  id: string;
  /** The winning label from the manifest. */
  label: string;
  index: number;
  /** Softmax probabilities, one per label. */
  scores: number[];
  /** Best three, highest first. */
  top: TopEntry[];
  route: 'local' | 'remote';
  /** Runtime and execution provider that computed it, e.g. `onnx-wasm`. */
  runtime: string;
  variant: string;
  version: string;
  latencyMs: number;
}

export type CacheStatus = 'hit' | 'stored' | 'uncached';

export interface ModelInfo {
  name: string;
  version: string;
  variant: string;
  precision: string;
  purpose: string;
  inputFormat: string;
  labels: string[];
  route: 'local' | 'remote';
  runtime: string;
  runtimeVersion: string;
  executionProvider: string;
  /** Why this route, runtime and variant were chosen. */
  reason: string;
  /** What the device probe found (after overrides). */
  device: DeviceProfile;
  /** Runtimes the plan dropped or demoted on this device, with why. */
  planNotes: string[];
  /** The configured endpoint and its circuit, when the app configured one. */
  remote?: { url: string; protocol: string; health?: RemoteHealth };
  /** The route that answers when the primary cannot, if one is allowed. */
  fallbackRoute?: 'local' | 'remote';
  /** The rollout channel this installation is on, and why. */
  channel?: { name: string; version: string; reason: string };
  /** Where the manifest came from on this load. */
  manifestSource: 'network' | 'not-modified' | 'offline';
  /** Bytes of model versions cached, and the origin's storage as the browser reports it. */
  storage: { cacheBytes: number; usage?: number; quota?: number; persisted?: boolean };
  manifestUrl: string;
  cache: { status: CacheStatus; bytes: number };
  accuracy: number;
}

export interface ModelEvents {
  fallback: { from: string; to: string; reason: string };
  /** A newer version was downloaded, proven and switched to atomically. */
  update: { from: string; to: string; reason: string };
  /** The model went back to an earlier version: asked for, or the new one failed its proof. */
  rollback: { from: string; to: string; reason: string };
  warning: { code: ModelshipWarningCode; message: string; cause?: unknown };
}

export interface PredictOptions {
  signal?: AbortSignal;
}

export interface LoadOptions {
  onProgress?: (event: LoadProgress) => void;
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
  /** URL of the folder that holds the runtime's .wasm/.mjs files. Default: `../wasm/` next to this bundle. */
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
}
