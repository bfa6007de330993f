// The native WebGPU EP build (asyncify wasm), never the JSEP bundles (`onnxruntime-web`,
// `onnxruntime-web/all`): those computed wrong numbers for int8 QDQ models on this project's machines.
import * as ort from 'onnxruntime-web/webgpu';
import { ModelshipError } from '../errors.js';
import { guardDeviceLoss } from './device-loss.js';
import { createOnnxSession, type OnnxBuild } from './onnx.js';
import type { RuntimeLoader, RuntimeStarter } from './types.js';

// A literal URL beside import.meta.url: Vite and webpack emit the file with the app (see assets.ts).
const WASM = new URL('../../wasm/ort-wasm-simd-threaded.asyncify.wasm', import.meta.url);

const BUILD: OnnxBuild = {
  runtime: 'onnx-webgpu',
  executionProvider: 'webgpu',
  wasmFile: 'ort-wasm-simd-threaded.asyncify.wasm',
  bundledWasm: WASM,
};

function requireWebGpu(): void {
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    throw new ModelshipError('BACKEND_UNAVAILABLE', 'onnx-webgpu needs WebGPU (navigator.gpu), which this context lacks', {
      details: { runtime: 'onnx-webgpu', reason: 'no-webgpu' },
    });
  }
}

/**
 * Only the import and the WebGPU check: a throwaway session on the WebGPU EP, released before the
 * model's session is created, left the next session's runs hanging on the software adapter.
 */
export const startOnnxWebGpu: RuntimeStarter = async () => {
  requireWebGpu();
};

export const loadOnnxWebGpu: RuntimeLoader = async (config, files) => {
  requireWebGpu();
  const session = await createOnnxSession(ort as never, BUILD, config, files);
  // Published during session creation: a plain GPUDevice in this build, a promise of one in the
  // JSEP build (as typed); awaiting covers both.
  const device: unknown = await Promise.resolve(ort.env.webgpu.device).catch(() => undefined);
  return guardDeviceLoss(session, device);
};
