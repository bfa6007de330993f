import { createLiteRtSession } from './litert.js';
import type { RuntimeLoader } from './types.js';

/** TF Lite models on LiteRT.js's CPU executor (XNNPack in WebAssembly). */
export const loadLiteRtWasm: RuntimeLoader = (config, files) => createLiteRtSession('litert-wasm', 'wasm', config, files);
