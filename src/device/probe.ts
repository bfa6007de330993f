import type { DeviceOverrides, DeviceProfile } from './types.js';
import { probeWebGpu, type GpuLike } from './webgpu.js';

/** What the probe reads from the host; every field may be missing (Node, old browsers, workers). */
export interface ProbeEnvironment {
  navigator?: {
    gpu?: GpuLike;
    hardwareConcurrency?: number;
    deviceMemory?: number;
    onLine?: boolean;
    connection?: { saveData?: boolean };
  };
  crossOriginIsolated?: boolean;
  sharedArrayBuffer?: boolean;
  webAssembly?: Pick<typeof WebAssembly, 'validate'>;
  /** How long to wait for `navigator.gpu.requestAdapter()` (default 2000 ms). */
  adapterTimeoutMs?: number;
}

// i32.const 0; i8x16.splat; i8x16.popcnt — a function returning v128 (wasm-feature-detect's SIMD probe).
const SIMD_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** `wasm` is the host's WebAssembly, passed in so an environment without one (or a test) can say so. */
export function detectWasmSimd(wasm: Pick<typeof WebAssembly, 'validate'> | undefined): boolean {
  try {
    return wasm?.validate(SIMD_MODULE) ?? false;
  } catch {
    return false;
  }
}

/** The host as it is right now; read on each call, never at import, so Node and workers load this module fine. */
function currentEnvironment(): ProbeEnvironment {
  return {
    navigator: typeof navigator === 'undefined' ? undefined : (navigator as ProbeEnvironment['navigator']),
    crossOriginIsolated: typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    webAssembly: typeof WebAssembly === 'undefined' ? undefined : WebAssembly,
  };
}

/**
 * What this device can do, for the plan. Never throws: an unreadable capability reads as absent.
 * No result is kept between calls; a caller that wants one probe per load keeps the promise itself.
 */
export async function probeDevice(overrides?: DeviceOverrides, environment: ProbeEnvironment = currentEnvironment()): Promise<DeviceProfile> {
  const nav = environment.navigator;
  const isolated = environment.crossOriginIsolated ?? false;
  // An explicit `webgpu.available: false` skips the adapter request: it can take seconds on some machines.
  const skipGpu = overrides?.webgpu !== undefined && (overrides.webgpu as { available?: boolean }).available === false;
  const webgpu = await probeWebGpu(skipGpu ? undefined : nav?.gpu, environment.adapterTimeoutMs ?? 2000);
  const profile: DeviceProfile = {
    webgpu,
    wasm: {
      simd: detectWasmSimd(environment.webAssembly),
      threads: isolated && (environment.sharedArrayBuffer ?? false),
    },
    crossOriginIsolated: isolated,
    hardwareConcurrency: positive(nav?.hardwareConcurrency) ?? 1,
    deviceMemoryGb: positive(nav?.deviceMemory),
    saveData: nav?.connection?.saveData === true,
    online: nav?.onLine ?? true,
  };
  return overrides ? mergeDeep(profile, overrides) : profile;
}

const positive = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects merge key by key at every depth; arrays and scalars replace; `undefined` leaves the value alone. */
export function mergeDeep<T>(base: T, patch: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = isPlainObject(out[key]) && isPlainObject(value) ? mergeDeep(out[key], value) : value;
  }
  return out as T;
}
