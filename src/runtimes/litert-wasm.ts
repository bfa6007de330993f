import { createLiteRtSession, startLiteRt } from './litert.js';
import type { RuntimeLoader, RuntimeStarter } from './types.js';

/** TF Lite models on LiteRT.js's CPU executor (XNNPack in WebAssembly). */
export const loadLiteRtWasm: RuntimeLoader = (config, files) => createLiteRtSession('litert-wasm', 'wasm', config, files);
export const startLiteRtWasm: RuntimeStarter = (config) => startLiteRt('litert-wasm', config);
