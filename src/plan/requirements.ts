import type { DeviceProfile } from '../device/types.js';
import type { RuntimeFeature, Variant } from '../manifest/types.js';
import type { RuntimeName } from '../runtimes/types.js';
import { compareVersions } from '../store/semver.js';
import { RUNTIME_TABLE } from './runtime-table.generated.js';

/**
 * The highest ONNX opset each runtime built in here runs (onnxruntime-web 1.30 implements the
 * default domain up to opset 21). Runtimes that do not read ONNX have no entry.
 */
const MAX_OPSET: Partial<Record<RuntimeName, number>> = { 'onnx-wasm': 21, 'onnx-webgpu': 21 };

/** Runtimes with integer kernels for quantized graphs (QDQ); tfjs dequantizes on load and LiteRT.js rejects INT8 tensors. */
const INT8: ReadonlySet<RuntimeName> = new Set(['onnx-wasm', 'onnx-webgpu']);

function lacksFeature(feature: RuntimeFeature, runtime: RuntimeName, profile: DeviceProfile): string | undefined {
  switch (feature) {
    case 'wasm-simd':
      return profile.wasm.simd ? undefined : 'needs WebAssembly SIMD, which this browser lacks';
    case 'shader-f16':
      if (!runtime.endsWith('-webgpu')) return 'needs shader-f16, a WebGPU feature';
      return profile.webgpu.features.includes('shader-f16') ? undefined : 'needs shader-f16, which this WebGPU adapter lacks';
    case 'int8':
      return INT8.has(runtime) ? undefined : 'needs int8 kernels, which this runtime lacks';
  }
}

/**
 * Why `runtime` cannot run `variant` as its manifest declares (`requires`), or undefined when it can.
 * Checked from the manifest and the build's runtime table alone, so before anything is downloaded.
 */
export function unmetRequirement(variant: Variant, runtime: RuntimeName, profile: DeviceProfile): string | undefined {
  const requires = variant.requires;
  if (!requires) return undefined;
  const maxOpset = MAX_OPSET[runtime];
  if (requires.opset !== undefined && maxOpset !== undefined && requires.opset > maxOpset) {
    return `needs ONNX opset ${requires.opset}, ${runtime} runs up to ${maxOpset}`;
  }
  const minimum = requires.minRuntimeVersion?.[runtime];
  const { package: pkg, version } = RUNTIME_TABLE[runtime];
  if (minimum !== undefined && compareVersions(version, minimum) < 0) {
    return `needs ${pkg} ≥ ${minimum}, this build has ${version}`;
  }
  for (const feature of requires.features ?? []) {
    const missing = lacksFeature(feature, runtime, profile);
    if (missing) return missing;
  }
  return undefined;
}
