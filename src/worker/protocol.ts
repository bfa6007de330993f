import type { TensorMap } from '../engine.js';
import type { SerializedError } from '../errors-wire.js';
import type { RuntimeConfig, RuntimeName } from '../runtimes/types.js';

/** Errors travel as data: comlink's own error handler would drop the `code` and the cause chain. */
export type WorkerResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export interface LoadedInfo {
  runtime: RuntimeName;
  runtimeVersion: string;
  executionProvider: string;
}

/**
 * What the worker exposes through comlink. `run` has its own port: comlink costs 35–50 µs per round
 * trip (an id string, a listener added and removed, a proxy per call), which is most of a batch-1 run.
 */
export interface WorkerApi {
  load(config: RuntimeConfig, files: Uint8Array[]): Promise<WorkerResult<LoadedInfo>>;
  /** Hands the worker the port that `run` requests will arrive on. */
  connectRunPort(port: MessagePort): void;
  dispose(): Promise<void>;
}

/** On the run port, main → worker. Replies carry the same id, so they are matched, never queued. */
export interface RunRequest {
  id: number;
  feeds: TensorMap;
}

export type RunReply = WorkerResult<TensorMap> & { id: number };

/**
 * Liveness, on the same port (no `id`, so never taken for a run). `hold`: the worker takes the Web
 * Lock of that name for its whole life and answers `held`; the lock is released the moment the
 * worker's context ends, however it ends. `ping`/`pong`: the check where Web Locks are missing.
 */
export type LivenessRequest = { hold: string } | { ping: number };
export type LivenessReply = { held: string } | { pong: number };
