import type { TensorMap } from '../engine.js';

export type RuntimeName = 'onnx-wasm' | 'onnx-webgpu' | 'tfjs-wasm' | 'tfjs-webgpu' | 'tfjs-cpu' | 'tfjs-webgl' | 'litert-wasm' | 'litert-webgpu';

export interface RuntimeConfig {
  runtime: RuntimeName;
  /** Absolute URL of the folder holding the runtime's .wasm/.mjs files; undefined: the files shipped with the package (see assets.ts). */
  wasmPaths?: string;
  numThreads: number;
  /**
   * The manifest's tensor names, in order. Runtimes whose model files name their tensors
   * differently (a tfjs layers model calls its output after its last layer) map them by position.
   */
  io?: { inputs: string[]; outputs: string[] };
  /**
   * Count the runtime's wasm as it downloads and post the bytes to the host (src/worker/runtime-download.ts):
   * set by a load that reports progress, for a runtime that has not started on this device before.
   */
  reportDownload?: boolean;
}

/** A model loaded into one runtime; lives wherever the runtime lives (worker or current thread). */
export interface LoadedSession {
  readonly runtime: RuntimeName;
  readonly runtimeVersion: string;
  /** The execution provider (onnxruntime) or backend (TensorFlow.js) the session runs on. */
  readonly executionProvider: string;
  run(feeds: TensorMap): Promise<TensorMap>;
  dispose(): Promise<void>;
}

export type RuntimeLoader = (config: RuntimeConfig, files: Uint8Array[]) => Promise<LoadedSession>;

/**
 * Starts a runtime before its model is there: imports, wasm fetch and compile, backend start. A
 * later load in the same realm then only creates the session; it works without a start too.
 */
export type RuntimeStarter = (config: RuntimeConfig) => Promise<void>;
