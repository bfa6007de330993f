import type { RuntimeLoader, RuntimeName } from './types.js';

/**
 * Each runtime is its own lazily imported chunk, so an app that runs ONNX on WASM never
 * downloads tfjs or the WebGPU build.
 */
const loaders: Partial<Record<RuntimeName, () => Promise<RuntimeLoader>>> = {
  'onnx-wasm': async () => (await import('./onnx-wasm.js')).loadOnnxWasm,
};

export function isKnownRuntime(name: string): name is RuntimeName {
  return name in loaders;
}

export async function resolveRuntime(name: RuntimeName): Promise<RuntimeLoader> {
  const load = loaders[name];
  if (!load) throw new Error(`Runtime ${name} is not built into this version of modelship`);
  return load();
}
