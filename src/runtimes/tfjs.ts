import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { TensorBuffer, TensorMap } from '../engine.js';
import { ModelshipError } from '../errors.js';
import { guardDeviceLoss } from './device-loss.js';
import { artifactsFromFiles } from './tfjs-artifacts.js';
import type { LoadedSession, RuntimeConfig, RuntimeName } from './types.js';

export interface TfjsBackend {
  runtime: RuntimeName;
  name: 'cpu' | 'wasm' | 'webgpu' | 'webgl';
  version: string;
  /** Settings tfjs reads once, when the backend starts (wasm paths, threads). */
  prepare?: (config: RuntimeConfig) => void;
  /** GPU backends: the device whose loss ends the session. */
  device?: (backend: tf.KernelBackend) => unknown;
}

/**
 * Starts the backend (for wasm: fetches, compiles and instantiates its wasm), before the model is
 * there. A second call in the same realm finds it running (engine().backendName, which unlike
 * getBackend() never starts a backend of its own choice).
 */
export async function startTfjs(backend: TfjsBackend, config: RuntimeConfig): Promise<void> {
  if (tf.engine().backendName === backend.name) return;
  backend.prepare?.(config);
  // setBackend resolves false (and logs) when the backend fails to start; never fall back silently.
  const started = await tf.setBackend(backend.name).catch(() => false);
  if (!started || tf.getBackend() !== backend.name) {
    throw new ModelshipError('BACKEND_UNAVAILABLE', `TensorFlow.js could not start its ${backend.name} backend`, {
      details: { runtime: backend.runtime, reason: 'backend-init' },
    });
  }
}

/**
 * tfjs keeps one engine per JavaScript realm, with one active backend. Each Model has its own
 * worker, so a worker holds one backend and one model; in the current thread (`worker: false`)
 * a second tfjs model on another backend switches the backend under the first one (tfjs then
 * moves tensors between backends: correct, slow).
 */
export async function createTfjsSession(backend: TfjsBackend, config: RuntimeConfig, files: Uint8Array[]): Promise<LoadedSession> {
  await startTfjs(backend, config);
  const model = await loadLayersModel(tf.io.fromMemory(artifactsFromFiles(files)));
  // Without the manifest's names, the model's layer names (tensor names get realm-wide suffixes: fc2/fc2_1).
  const inputs = model.inputs.map((tensor, i) => config.io?.inputs[i] ?? tensor.sourceLayer.name);
  const outputs = model.outputs.map((tensor, i) => config.io?.outputs[i] ?? tensor.sourceLayer.name);
  const session: LoadedSession = {
    runtime: backend.runtime,
    runtimeVersion: backend.version,
    executionProvider: backend.name,
    run: (feeds) => runModel(model, inputs, outputs, feeds),
    dispose: async () => {
      model.dispose();
    },
  };
  return guardDeviceLoss(session, backend.device?.(tf.backend()));
}

async function runModel(model: LayersModel, inputNames: string[], outputNames: string[], feeds: TensorMap): Promise<TensorMap> {
  const inputs = model.inputs.map((input, i) => toModelLayout(pickFeed(feeds, inputNames[i]!, inputNames.length), input.shape));
  let results: tf.Tensor[];
  try {
    const predicted = model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor | tf.Tensor[];
    results = Array.isArray(predicted) ? predicted : [predicted];
  } finally {
    tf.dispose(inputs);
  }
  try {
    // Never dataSync(): on webgpu it breaks the device; data() is the asynchronous download.
    const values = await Promise.all(results.map((tensor) => tensor.data<'float32'>()));
    const out: TensorMap = {};
    results.forEach((tensor, i) => {
      // A copy with its own buffer: backends may hand out their storage, and the result is transferred.
      out[outputNames[i]!] = { data: Float32Array.from(values[i]!), dims: [...tensor.shape] };
    });
    return out;
  } finally {
    tf.dispose(results);
  }
}

function pickFeed(feeds: TensorMap, name: string, inputCount: number): TensorBuffer {
  const feed = feeds[name] ?? (inputCount === 1 && Object.keys(feeds).length === 1 ? Object.values(feeds)[0] : undefined);
  if (!feed) throw new ModelshipError('INPUT_INVALID', `The model needs an input named ${name}`, { details: { field: name } });
  return feed;
}

/**
 * Feeds arrive in the manifest's layout (NCHW for images); tfjs image models are NHWC. With one
 * channel both hold the same values in the same order, so a reshape is enough; with several the
 * channels move last.
 */
function toModelLayout(feed: TensorBuffer, shape: (number | null)[]): tf.Tensor {
  const [batch, channels, height, width] = feed.dims;
  const target = shape.map((size, i) => (i === 0 ? batch! : (size ?? -1)));
  return tf.tidy(() => {
    const tensor = tf.tensor(feed.data, feed.dims, 'float32');
    const nchwToNhwc = feed.dims.length === 4 && target.length === 4 && channels !== 1 && channels === target[3] && height === target[1] && width === target[2];
    return nchwToNhwc ? tf.transpose(tensor, [0, 2, 3, 1]) : tf.reshape(tensor, target);
  });
}
