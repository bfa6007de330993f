import { setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { createTfjsSession } from './tfjs.js';
import type { RuntimeLoader } from './types.js';

export const loadTfjsWasm: RuntimeLoader = (config, files) =>
  createTfjsSession(
    {
      runtime: 'tfjs-wasm',
      name: 'wasm',
      version: version_wasm,
      prepare: ({ wasmPaths, numThreads }) => {
        // Self-hosted: tfjs would otherwise look next to the bundle (or a CDN) for its .wasm files.
        setWasmPaths(wasmPaths);
        // Threads exist only in a cross-origin isolated context; elsewhere tfjs picks the single-threaded SIMD build itself.
        if (typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated) setThreadsCount(Math.max(1, numThreads));
      },
    },
    config,
    files,
  );
