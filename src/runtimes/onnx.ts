import { ModelshipError } from '../errors.js';
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { TensorMap } from '../engine.js';
import { assetUrl, missingAsset } from './assets.js';
import { identityModel } from './tiny-onnx.js';
import type { LoadedSession, RuntimeConfig, RuntimeName } from './types.js';

type OrtModule = typeof import('onnxruntime-web');

/** What differs between the wasm and webgpu builds of onnxruntime-web. */
export interface OnnxBuild {
  runtime: RuntimeName;
  executionProvider: 'wasm' | 'webgpu';
  /** The build's .wasm file name, looked up under `wasmPaths` when the app sets it. */
  wasmFile: string;
  /** The copy shipped in the package, as a literal `new URL` the app's bundler emits. */
  bundledWasm: URL;
}

function configure(ort: OrtModule, build: OnnxBuild, config: RuntimeConfig): void {
  // Options go into the module's own env object, never a page-wide global of ours. Without wasmPaths,
  // onnxruntime-web gets the bundled file's URL; its .mjs glue is already inside this chunk.
  ort.env.wasm.wasmPaths = config.wasmPaths ?? { wasm: build.bundledWasm.href };
  ort.env.wasm.numThreads = config.numThreads;
  ort.env.logLevel = 'error';
}

async function createSession(ort: OrtModule, build: OnnxBuild, config: RuntimeConfig, model: Uint8Array): Promise<InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, {
      executionProviders: [build.executionProvider],
      graphOptimizationLevel: 'all',
      // The session logs apart from env.logLevel; at its default a WebGPU session prints node-placement warnings to the app's console.
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw (await missingAsset(build.runtime, assetUrl(config.wasmPaths, build.wasmFile, build.bundledWasm), error)) ?? error;
  }
}

/**
 * Starts the runtime before the model is there: onnxruntime-web fetches, compiles (streaming, from
 * the HTTP cache on a later visit) and instantiates its wasm, and starts the execution provider, inside
 * the first session it creates; a one-node model makes that session, released at once.
 */
export async function startOnnx(ort: OrtModule, build: OnnxBuild, config: RuntimeConfig): Promise<void> {
  configure(ort, build, config);
  const session = await createSession(ort, build, config, identityModel());
  await session.release();
}

/** Shared by the wasm and webgpu builds of onnxruntime-web: they differ only in the module and the EP name. */
export async function createOnnxSession(ort: OrtModule, build: OnnxBuild, config: RuntimeConfig, files: Uint8Array[]): Promise<LoadedSession> {
  const { runtime, executionProvider } = build;
  const model = files[0];
  if (!model) throw new ModelshipError('MANIFEST_INVALID', 'An ONNX variant needs exactly one model file', { details: { field: 'variants[].files' } });
  configure(ort, build, config);
  const session = await createSession(ort, build, config, model);
  return {
    runtime,
    runtimeVersion: ort.env.versions.web ?? 'unknown',
    executionProvider,
    run: (feeds) => runSession(ort, session, feeds),
    dispose: () => session.release(),
  };
}

async function runSession(ort: OrtModule, session: InferenceSession, feeds: TensorMap): Promise<TensorMap> {
  const ortFeeds: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', tensor.data, tensor.dims);
  const results = await session.run(ortFeeds);
  const out: TensorMap = {};
  for (const [name, tensor] of Object.entries(results)) {
    // CPU outputs are already in JS memory; only GPU-resident ones need the async download.
    const data = (tensor.location === 'cpu' ? tensor.data : await tensor.getData(true)) as Float32Array;
    // A fresh, unshared buffer so it can be transferred out of the worker.
    out[name] = { data: data.buffer instanceof ArrayBuffer ? data : new Float32Array(data), dims: [...tensor.dims] };
  }
  return out;
}
