import { ModelshipError } from '../errors.js';
import type { RuntimeLoader, RuntimeName } from './types.js';

/**
 * Each runtime is its own lazily imported chunk, so an app that runs ONNX on WASM never
 * downloads tfjs or the WebGPU build (a browser test checks the network log).
 */
const loaders: Record<RuntimeName, () => Promise<RuntimeLoader>> = {
  'onnx-wasm': async () => (await import('./onnx-wasm.js')).loadOnnxWasm,
  'onnx-webgpu': async () => (await import('./onnx-webgpu.js')).loadOnnxWebGpu,
  'tfjs-wasm': async () => (await import('./tfjs-wasm.js')).loadTfjsWasm,
  'tfjs-webgpu': async () => (await import('./tfjs-webgpu.js')).loadTfjsWebGpu,
  'tfjs-webgl': async () => (await import('./tfjs-webgl.js')).loadTfjsWebGl,
  'tfjs-cpu': async () => (await import('./tfjs-cpu.js')).loadTfjsCpu,
  'litert-wasm': async () => (await import('./litert-wasm.js')).loadLiteRtWasm,
  'litert-webgpu': async () => (await import('./litert-webgpu.js')).loadLiteRtWebGpu,
};

export function isKnownRuntime(name: string): name is RuntimeName {
  return Object.hasOwn(loaders, name);
}

export async function resolveRuntime(name: RuntimeName): Promise<RuntimeLoader> {
  if (!isKnownRuntime(name)) throw new ModelshipError('BACKEND_UNAVAILABLE', `Runtime ${name} is not built into this version of modelship`, { details: { runtime: name } });
  return loaders[name]();
}
