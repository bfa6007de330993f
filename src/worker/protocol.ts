import type { TensorMap } from '../engine.js';
import type { SerializedError } from '../errors-wire.js';
import type { RuntimeConfig, RuntimeName } from '../runtimes/types.js';

/** Errors travel as data: comlink's own error handler would drop the `code` and the cause chain. */
export type WorkerResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/**
 * A step of a load, timed inside the worker in epoch milliseconds (`performance.timeOrigin + now()`),
 * so the host places it on its own clock. `detail`: e.g. whether the runtime's wasm came from the HTTP cache.
 */
export interface Span {
  name: 'worker' | 'runtime-import' | 'runtime-fetch' | 'compile' | 'session';
  start: number;
  end: number;
  detail?: string;
}

export interface LoadedInfo {
  runtime: RuntimeName;
  runtimeVersion: string;
  executionProvider: string;
  /** The worker's boot, the runtime's start (once per worker) and this model's session. */
  spans: Span[];
}

/**
 * What the worker exposes through comlink, on a MessagePort of its own (`ConnectRequest`). Runs are not
 * among them: comlink costs 35–50 µs per round trip (an id string, a listener added and removed, a proxy
 * per call), which is most of a batch-1 run, so they travel as plain messages on the worker's own channel.
 */
export interface WorkerApi {
  /**
   * Starts the runtime before the model's bytes are there (imports, wasm fetch and compile, backend);
   * `load` waits for it and reports its failure. Once per worker: later calls return the same start.
   */
  start(config: RuntimeConfig): Promise<WorkerResult<void>>;
  load(config: RuntimeConfig, files: Uint8Array[]): Promise<WorkerResult<LoadedInfo>>;
  dispose(): Promise<void>;
}

/**
 * The first message on the worker's own channel: the port comlink's calls travel on. Everything else
 * on that channel is run traffic (below). Runs use the worker's channel rather than a second port because
 * Chromium delivers it with less work: `MessagePort.postMessage` cost the page 7–15 µs a call against
 * 2 µs for `Worker.postMessage`, and the request reached the worker ~15 µs later (bench/predict-cost.ts).
 */
export interface ConnectRequest {
  connect: MessagePort;
}

/** On the worker's own channel, main → worker. Replies carry the same id, so they are matched, never queued. */
export interface RunRequest {
  id: number;
  feeds: TensorMap;
}

export type RunReply = WorkerResult<TensorMap> & { id: number };

/**
 * On the worker's own channel, main → worker, once, on a cross-origin isolated page: the slot runs may
 * travel through instead of as RunRequests (shared-slot.ts), for models of one input and one output.
 */
export interface SharedSetup {
  shared: SharedArrayBuffer;
  input: string;
  output: string;
}

/**
 * Worker → main, the answer to SharedSetup: the slot is served. Until it comes every run is a message,
 * so a worker script older than the page's bundle (which ignores the setup) is never sent a run it would
 * not see.
 */
export type SharedReady = { sharedReady: true };

/**
 * Liveness, on the same channel (no `id`, so never taken for a run). `hold`: the worker takes the Web
 * Lock of that name for its whole life and answers `held`; the lock is released the moment the
 * worker's context ends, however it ends. `ping`/`pong`: the check where Web Locks are missing.
 */
export type LivenessRequest = { hold: string } | { ping: number };
export type LivenessReply = { held: string } | { pong: number };

/**
 * Bytes of the runtime's wasm as they arrive, worker → main on the worker's channel, while the runtime starts
 * and only when the load asked for them (`RuntimeConfig.reportDownload`; runtime-download.ts). `total`: Content-Length when
 * the response is not compressed, else the build's inventory size; the last one has `loaded === total`.
 */
export interface RuntimeDownload {
  runtime: RuntimeName;
  url: string;
  loaded: number;
  total: number;
}

export type DownloadReply = { download: RuntimeDownload };
