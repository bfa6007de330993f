import type { DriftEvent, DriftThresholds } from './drift.js';

export type { DriftEvent, DriftThresholds };

/** `loadModel(url, { monitoring })`. Without `endpoint` nothing leaves the device. */
export interface MonitoringOptions {
  /** URL that aggregated reports are POSTed to, e.g. `https://host/monitoring/reports`. */
  endpoint?: string;
  /** How often a report is sent, in ms (default 60000). */
  intervalMs?: number;
  /** Bearer token for the endpoint (the reference server checks the same token as for inference). */
  token?: string;
  /** Predictions in the drift window (default: the manifest's, else 200). */
  window?: number;
  /** Drift thresholds for every quantity, overriding the manifest's. */
  driftThresholds?: Partial<DriftThresholds>;
  /** Reports kept while the endpoint cannot be reached (default 50); the oldest are dropped beyond it. */
  outboxMax?: number;
  fetch?: typeof fetch;
}

export interface DriftFigures {
  jensenShannon: number;
  psi: number;
  threshold: DriftThresholds;
  drifting: boolean;
}

export interface VersionUsage {
  version: string;
  predictions: number;
  route: Record<string, number>;
  runtime: Record<string, number>;
  variant: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number };
  errors: Record<string, number>;
  fallbacks: Record<string, number>;
  abstentions: Record<string, number>;
  /** How this version's files were found at load: `hit` is a cache hit. */
  cache: Record<string, number>;
}

/** `model.monitoring()`: everything since load, per version, plus the current drift window. */
export interface MonitoringSnapshot {
  /** False when the running version's manifest has no usable `monitoring` block: no abstain, plain softmax. */
  calibrated: boolean;
  reason: string;
  temperature: number;
  versions: VersionUsage[];
  drift: { version: string; size: number; filled: number; figures: Record<string, DriftFigures> };
  reports: { endpoint?: string; sent: number; failed: number; queued: number; dropped: number };
}
