import type { RuntimeConfig } from './types.js';

/** tfjs's own SIMD probe (tfjs-backend-wasm flags_wasm.ts): a module with one SIMD instruction. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

/**
 * The absolute URL of the wasm a runtime's glue fetches first, when it can be named before the
 * runtime's chunk is in (see `worker/wasm-prefetch.ts`); undefined when it cannot be named for sure.
 * A wrong name would cost a second download, so only the case whose choice this file can repeat
 * exactly: tfjs-wasm single-threaded under the app's `wasmPaths`, where tfjs picks the SIMD build
 * when the probe validates (`tfjs-wasm.ts` turns threads off unless isolated with more than one).
 * Without `wasmPaths` the URL is the app bundler's to write, inside the runtime's chunk.
 */
export function wasmToPrefetch(config: RuntimeConfig): string | undefined {
  if (config.runtime !== 'tfjs-wasm' || config.wasmPaths === undefined) return undefined;
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  if (isolated && config.numThreads > 1) return undefined;
  let simd = false;
  try {
    simd = WebAssembly.validate(SIMD_PROBE);
  } catch {
    simd = false;
  }
  try {
    // As tfjs writes it: the prefix and the file name joined as strings, then resolved like any fetch.
    return new URL(`${config.wasmPaths}${simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm'}`, globalThis.location?.href).href;
  } catch {
    return undefined;
  }
}
