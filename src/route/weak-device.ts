import type { DeviceProfile } from '../device/types.js';
import type { Variant } from '../manifest/types.js';

/** Share of the device's memory one model may take, counting the runtime's working copies. */
const MEMORY_SHARE = 0.25;
/** Bytes a runtime holds per byte of model file (the file, the session's weights, scratch). */
const MEMORY_PER_MODEL_BYTE = 4;

/** Why this device should not run the variant locally, or undefined when it can. */
export function weakDeviceReason(profile: DeviceProfile, variant: Variant | undefined): string | undefined {
  if (!profile.webgpu.available && !profile.wasm.simd) return 'no WebGPU and no WebAssembly SIMD';
  if (!variant) return 'no local runtime or variant fits this device';
  if (profile.deviceMemoryGb !== undefined) {
    const need = variant.files.reduce((sum, file) => sum + file.bytes, 0) * MEMORY_PER_MODEL_BYTE;
    const have = profile.deviceMemoryGb * 2 ** 30 * MEMORY_SHARE;
    if (need > have) return `variant ${variant.id} needs about ${Math.ceil(need / 2 ** 20)} MiB, more than this device should spend`;
  }
  return undefined;
}
