import type { DeviceProfile } from '../device/types.js';
import { isKnownRuntime } from '../runtimes/registry.js';
import type { RuntimeName } from '../runtimes/types.js';

export const DEFAULT_BACKENDS: RuntimeName[] = [
  'onnx-webgpu',
  'onnx-wasm',
  'tfjs-webgpu',
  'tfjs-wasm',
  'tfjs-webgl',
  'tfjs-cpu',
  'litert-webgpu',
  'litert-wasm',
];

export interface RuntimeChoice {
  usable: RuntimeName[];
  /** Why each requested runtime was dropped or moved. */
  notes: string[];
  /** The usable runtimes moved to the end (software WebGPU): never moved forward again for being cheap. */
  demoted: RuntimeName[];
}

const isWebGpu = (name: RuntimeName): boolean => name.endsWith('-webgpu');

/** Orders the app's preference by what the device can do. A software WebGPU adapter goes after everything else. */
export function orderRuntimes(preference: RuntimeName[], profile: DeviceProfile): RuntimeChoice {
  const notes: string[] = [];
  const usable: RuntimeName[] = [];
  const demoted: RuntimeName[] = [];
  for (const name of preference) {
    if (!isKnownRuntime(name)) {
      notes.push(`${name}: not built into this modelship`);
    } else if (isWebGpu(name) && !profile.webgpu.available) {
      notes.push(`${name}: no WebGPU adapter`);
    } else if (name === 'onnx-wasm' && !profile.wasm.simd) {
      notes.push(`${name}: needs WebAssembly SIMD`);
    } else if (isWebGpu(name) && profile.webgpu.isFallbackAdapter) {
      notes.push(`${name}: software WebGPU adapter, tried after the others`);
      demoted.push(name);
    } else {
      usable.push(name);
    }
  }
  return { usable: [...usable, ...demoted], notes, demoted };
}
