import type { ModelshipErrorCode } from './errors.js';

/** A tensor as it crosses every boundary (worker, network): row-major data plus dimensions. */
export interface TensorBuffer {
  data: Float32Array;
  dims: number[];
}

export type TensorMap = Record<string, TensorBuffer>;

export interface RunOptions {
  signal?: AbortSignal;
}

/** Whether an engine takes calls now; a remote's circuit breaker opens after repeated server faults. */
export interface EngineHealth {
  circuit: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  lastError?: { code: ModelshipErrorCode; message: string; at: number };
}

/** Local engines have no circuit: a crash restarts the worker, and the router falls back per call. */
export const LOCAL_HEALTH: EngineHealth = Object.freeze({ circuit: 'closed', consecutiveFailures: 0 });

/**
 * How runs reach an inference worker: through shared memory (a cross-origin isolated page) or as
 * messages; `reason` says why, so a page that could be faster learns what it lacks.
 */
export interface RunTransport {
  kind: 'shared-memory' | 'message';
  reason: string;
}

/**
 * One interface for every place a model can run: a worker, the current thread, a remote server.
 * The plan swaps engines without the caller noticing.
 */
export interface Engine {
  /** Runtime and execution provider, e.g. `onnx-wasm`, `onnx-webgpu`, `tfjs-cpu`, `remote-v2`. */
  readonly runtime: string;
  /** The execution provider alone, as the runtime names it: `wasm`, `webgpu`, `webgl`, `cpu`, `v2`, `tfserving`. */
  readonly executionProvider: string;
  /** The runtime library's version (`1.30.0`), or the remote protocol's (`v2`). */
  readonly runtimeVersion: string;
  /** Worker engines only: how runs travel to the worker. */
  readonly transport?: RunTransport;
  health(): EngineHealth;
  run(feeds: TensorMap, options?: RunOptions): Promise<TensorMap>;
  dispose(): Promise<void>;
}
