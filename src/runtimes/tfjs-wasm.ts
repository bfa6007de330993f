import { setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { isModelshipError } from '../errors.js';
import { assetUrl, missingAsset } from './assets.js';
import { createTfjsSession } from './tfjs.js';
import type { RuntimeLoader } from './types.js';

// Literal URLs beside import.meta.url: Vite and webpack emit the files with the app (see assets.ts).
// tfjs picks one at run time: threaded only when cross-origin isolated, plain only without SIMD.
const WASM = {
  'tfjs-backend-wasm-simd.wasm': new URL('../../wasm/tfjs-backend-wasm-simd.wasm', import.meta.url),
  'tfjs-backend-wasm.wasm': new URL('../../wasm/tfjs-backend-wasm.wasm', import.meta.url),
  'tfjs-backend-wasm-threaded-simd.wasm': new URL('../../wasm/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url),
};

export const loadTfjsWasm: RuntimeLoader = async (config, files) => {
  try {
    return await createTfjsSession(
      {
        runtime: 'tfjs-wasm',
        name: 'wasm',
        version: version_wasm,
        prepare: ({ wasmPaths, numThreads }) => {
          // Self-hosted: tfjs would otherwise look next to the bundle (or a CDN) for its .wasm files.
          if (wasmPaths === undefined) setWasmPaths(Object.fromEntries(Object.entries(WASM).map(([file, url]) => [file, url.href])));
          else setWasmPaths(wasmPaths);
          // Threads exist only in a cross-origin isolated context; elsewhere tfjs picks the single-threaded SIMD build itself.
          if (typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated) setThreadsCount(Math.max(1, numThreads));
        },
      },
      config,
      files,
    );
  } catch (error) {
    if (!isModelshipError(error, 'BACKEND_UNAVAILABLE')) throw error;
    const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
    const candidates = isolated ? (['tfjs-backend-wasm-threaded-simd.wasm'] as const) : (['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'] as const);
    for (const file of candidates) {
      const missing = await missingAsset('tfjs-wasm', assetUrl(config.wasmPaths, file, WASM[file]), error);
      if (missing) throw missing;
    }
    throw error;
  }
};
