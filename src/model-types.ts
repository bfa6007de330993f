import type { RunTransport } from './engine.js';
import type { DriftEvent } from './monitoring/types.js';
import type { DeviceProfile } from './device/types.js';
import type { EngineHealth } from './engine.js';
import type { ModelshipWarningCode } from './errors.js';
import type { CacheStatus } from './fetch/model-files.js';
import type { LoadTimings } from './load/timings.js';

/** What a loaded Model answers, reports and emits: the public side of `model.ts`. */

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
  /** True when the model should not be believed: see `abstainReason`. `label` and `scores` are still given. */
  abstain: boolean;
  abstainReason?: 'empty' | 'out-of-distribution' | 'low-confidence';
  /** How unusual the input looks to the model and by its features (higher = more unusual; 0 without a monitoring block). */
  oodScore: number;
}

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
  /** How calls reach the inference worker (absent: no worker, e.g. remote or in-thread), and why. */
  transport?: RunTransport;
  /** Why this route, runtime and variant were chosen. */
  reason: string;
  /** What the device probe found (after overrides). */
  device: DeviceProfile;
  /** Runtimes the plan dropped or demoted on this device, with why. */
  planNotes: string[];
  /** The configured endpoint and its circuit, when the app configured one. */
  remote?: { url: string; protocol: string; health?: EngineHealth };
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
  /**
   * Where the load that returned this Model spent its time: manifest, plan, files (cache read or
   * download), worker boot, runtime import, runtime wasm fetch, compile, session, proof; in ms after
   * `loadModel` was called. Steps overlap (the runtime starts while the manifest and files are read).
   */
  timings: LoadTimings;
  /** Whether scores are temperature-calibrated and predictions may abstain, and why (not). */
  monitoring: { calibrated: boolean; reason: string };
}

export interface ModelEvents {
  fallback: { from: string; to: string; reason: string };
  /** A newer version was downloaded, proven and switched to atomically. */
  update: { from: string; to: string; reason: string };
  /** The model went back to an earlier version: asked for, or the new one failed its proof. */
  rollback: { from: string; to: string; reason: string };
  warning: { code: ModelshipWarningCode; message: string; cause?: unknown };
  /** A drift figure of the prediction window crossed its threshold. */
  drift: DriftEvent;
}

export interface PredictOptions {
  signal?: AbortSignal;
}
