import type { WebGpuProfile } from './types.js';

/** The parts of WebGPU the probe reads; declared here so the library needs no @webgpu/types. */
export interface GpuAdapterLike {
  features?: Iterable<string>;
  limits?: Record<string, unknown>;
  /** Older Chromium; newer ones report it in `info` (and drop it here). */
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}

export interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}

/** Limits that decide whether a model fits; the rest of the adapter's ~30 limits say little about that. */
const USEFUL_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
];

export const NO_WEBGPU: WebGpuProfile = { available: false, isFallbackAdapter: false, features: [], limits: {} };

/** requestAdapter can hang (some drivers, some headless setups): the probe never waits longer than `timeoutMs`. */
export async function probeWebGpu(gpu: GpuLike | undefined, timeoutMs: number): Promise<WebGpuProfile> {
  if (!gpu || typeof gpu.requestAdapter !== 'function') return NO_WEBGPU;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  try {
    const adapter = await Promise.race([gpu.requestAdapter(), timeout]);
    return adapter ? describeAdapter(adapter) : NO_WEBGPU;
  } catch {
    // A throwing adapter request means no usable WebGPU, nothing more.
    return NO_WEBGPU;
  } finally {
    clearTimeout(timer);
  }
}

function describeAdapter(adapter: GpuAdapterLike): WebGpuProfile {
  const info = adapter.info ?? {};
  const limits: Record<string, number> = {};
  for (const name of USEFUL_LIMITS) {
    const value = adapter.limits?.[name];
    if (typeof value === 'number') limits[name] = value;
  }
  // SwiftShader also identifies itself by architecture in builds that report neither flag.
  const software = info.architecture === 'swiftshader' || /swiftshader/i.test(info.description ?? '');
  const profile: WebGpuProfile = {
    available: true,
    isFallbackAdapter: Boolean(info.isFallbackAdapter || adapter.isFallbackAdapter || software),
    features: [...(adapter.features ?? [])].sort(),
    limits,
  };
  if (info.vendor) profile.vendor = info.vendor;
  if (info.architecture) profile.architecture = info.architecture;
  return profile;
}
