/** A tensor as it crosses every boundary (worker, network): row-major data plus dimensions. */
export interface TensorBuffer {
  data: Float32Array;
  dims: number[];
}

export type TensorMap = Record<string, TensorBuffer>;

export interface RunOptions {
  signal?: AbortSignal;
}

/**
 * One interface for every place a model can run: a worker, the current thread, a remote server.
 * The plan swaps engines without the caller noticing.
 */
export interface Engine {
  /** Runtime and execution provider, e.g. `onnx-wasm`, `onnx-webgpu`, `tfjs-cpu`, `remote-v2`. */
  readonly runtime: string;
  run(feeds: TensorMap, options?: RunOptions): Promise<TensorMap>;
  dispose(): Promise<void>;
}
