import { setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { env } from '@tensorflow/tfjs-core';
import { isModelshipError } from '../errors.js';
import { assetUrl, missingAsset } from './assets.js';
import { createTfjsSession, startTfjs, type TfjsBackend } from './tfjs.js';
import type { RuntimeConfig, RuntimeLoader, RuntimeStarter } from './types.js';

// Literal URLs beside import.meta.url: Vite and webpack emit the files with the app (see assets.ts).
// tfjs picks one at run time: threaded only when cross-origin isolated with more than one thread, plain only without SIMD.
const WASM = {
  'tfjs-backend-wasm-simd.wasm': new URL('../../wasm/tfjs-backend-wasm-simd.wasm', import.meta.url),
  'tfjs-backend-wasm.wasm': new URL('../../wasm/tfjs-backend-wasm.wasm', import.meta.url),
  'tfjs-backend-wasm-threaded-simd.wasm': new URL('../../wasm/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url),
};

const BACKEND: TfjsBackend = {
  runtime: 'tfjs-wasm',
  name: 'wasm',
  version: version_wasm,
  prepare: ({ wasmPaths, numThreads }) => {
    // Self-hosted: tfjs would otherwise look next to the bundle (or a CDN) for its .wasm files.
    if (wasmPaths === undefined) setWasmPaths(Object.fromEntries(Object.entries(WASM).map(([file, url]) => [file, url.href])));
    else setWasmPaths(wasmPaths);
    // Threads exist only in a cross-origin isolated context; elsewhere tfjs picks the single-threaded SIMD build itself.
    const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
    if (isolated && numThreads > 1) setThreadsCount(numThreads);
    // The threaded build starts a pool of 8 pthread workers, each instantiating the module, before the
    // backend is ready (≈0.3 s on 2 cores): wasted when one thread runs. One thread: the plain SIMD build.
    else env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  },
};

/** A backend that would not start because its wasm is missing becomes an error naming the URL and the fix. */
async function explained<T>(config: RuntimeConfig, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isModelshipError(error, 'BACKEND_UNAVAILABLE')) throw error;
    const threaded = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated && config.numThreads > 1;
    const candidates = threaded ? (['tfjs-backend-wasm-threaded-simd.wasm'] as const) : (['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'] as const);
    for (const file of candidates) {
      const missing = await missingAsset('tfjs-wasm', assetUrl(config.wasmPaths, file, WASM[file]), error);
      if (missing) throw missing;
    }
    throw error;
  }
}

export const startTfjsWasm: RuntimeStarter = (config) => explained(config, () => startTfjs(BACKEND, config));
export const loadTfjsWasm: RuntimeLoader = (config, files) => explained(config, () => createTfjsSession(BACKEND, config, files));
