import { ModelshipError } from '../errors.js';
import type { RuntimeLoader, RuntimeName, RuntimeStarter } from './types.js';

export interface RuntimeEntry {
  start: RuntimeStarter;
  load: RuntimeLoader;
}

/**
 * Each runtime is its own lazily imported chunk, so an app that runs ONNX on WASM never
 * downloads tfjs or the WebGPU build (a browser test checks the network log).
 */
/**
 * The tfjs runtimes' chunks all import one large chunk (tfjs.ts: tfjs-core and layers, ~1.6 MB); asking for it
 * alongside the backend's chunk fetches both at once instead of one after the other.
 */
const withTfjs = <T>(backend: Promise<T>): Promise<T> => Promise.all([backend, import('./tfjs.js')]).then(([module]) => module);

const entries: Record<RuntimeName, () => Promise<RuntimeEntry>> = {
  'onnx-wasm': async () => import('./onnx-wasm.js').then((m) => ({ start: m.startOnnxWasm, load: m.loadOnnxWasm })),
  'onnx-webgpu': async () => import('./onnx-webgpu.js').then((m) => ({ start: m.startOnnxWebGpu, load: m.loadOnnxWebGpu })),
  'tfjs-wasm': async () => withTfjs(import('./tfjs-wasm.js')).then((m) => ({ start: m.startTfjsWasm, load: m.loadTfjsWasm })),
  'tfjs-webgpu': async () => withTfjs(import('./tfjs-webgpu.js')).then((m) => ({ start: m.startTfjsWebGpu, load: m.loadTfjsWebGpu })),
  'tfjs-webgl': async () => withTfjs(import('./tfjs-webgl.js')).then((m) => ({ start: m.startTfjsWebGl, load: m.loadTfjsWebGl })),
  'tfjs-cpu': async () => withTfjs(import('./tfjs-cpu.js')).then((m) => ({ start: m.startTfjsCpu, load: m.loadTfjsCpu })),
  'litert-wasm': async () => import('./litert-wasm.js').then((m) => ({ start: m.startLiteRtWasm, load: m.loadLiteRtWasm })),
  'litert-webgpu': async () => import('./litert-webgpu.js').then((m) => ({ start: m.startLiteRtWebGpu, load: m.loadLiteRtWebGpu })),
};

export function isKnownRuntime(name: string): name is RuntimeName {
  return Object.hasOwn(entries, name);
}

export async function resolveRuntimeEntry(name: RuntimeName): Promise<RuntimeEntry> {
  if (!isKnownRuntime(name)) throw new ModelshipError('BACKEND_UNAVAILABLE', `Runtime ${name} is not built into this version of modelship`, { details: { runtime: name } });
  return entries[name]();
}

export async function resolveRuntime(name: RuntimeName): Promise<RuntimeLoader> {
  return (await resolveRuntimeEntry(name)).load;
}
