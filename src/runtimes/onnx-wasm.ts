import * as ort from 'onnxruntime-web/wasm';
import { createOnnxSession } from './onnx.js';
import type { RuntimeLoader } from './types.js';

// A literal URL beside import.meta.url: Vite and webpack emit the file with the app (see assets.ts).
const WASM = new URL('../../wasm/ort-wasm-simd-threaded.wasm', import.meta.url);

export const loadOnnxWasm: RuntimeLoader = (config, files) =>
  createOnnxSession(
    ort as never,
    { runtime: 'onnx-wasm', executionProvider: 'wasm', wasmFile: 'ort-wasm-simd-threaded.wasm', bundledWasm: WASM },
    config,
    files,
  );
