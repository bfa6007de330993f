import * as ort from 'onnxruntime-web/wasm';
import { createOnnxSession, type OnnxBuild, startOnnx } from './onnx.js';
import type { RuntimeLoader, RuntimeStarter } from './types.js';

// A literal URL beside import.meta.url: Vite and webpack emit the file with the app (see assets.ts).
const WASM = new URL('../../wasm/ort-wasm-simd-threaded.wasm', import.meta.url);

const BUILD: OnnxBuild = { runtime: 'onnx-wasm', executionProvider: 'wasm', wasmFile: 'ort-wasm-simd-threaded.wasm', bundledWasm: WASM };

export const startOnnxWasm: RuntimeStarter = (config) => startOnnx(ort as never, BUILD, config);
export const loadOnnxWasm: RuntimeLoader = (config, files) => createOnnxSession(ort as never, BUILD, config, files);
