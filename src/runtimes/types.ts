import type { TensorMap } from '../engine.js';

export type RuntimeName = 'onnx-wasm' | 'onnx-webgpu' | 'tfjs-wasm' | 'tfjs-webgpu' | 'tfjs-cpu' | 'tfjs-webgl';

export interface RuntimeConfig {
  runtime: RuntimeName;
  /** Absolute URL of the folder holding the runtime's .wasm/.mjs files. */
  wasmPaths: string;
  numThreads: number;
}

/** A model loaded into one runtime; lives wherever the runtime lives (worker or current thread). */
export interface LoadedSession {
  readonly runtime: RuntimeName;
  readonly runtimeVersion: string;
  run(feeds: TensorMap): Promise<TensorMap>;
  dispose(): Promise<void>;
}

export type RuntimeLoader = (config: RuntimeConfig, files: Uint8Array[]) => Promise<LoadedSession>;
