import type { Capabilities } from '../protocol.js';

// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt): validates only where WASM SIMD is supported.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** What the WebView can do, for `hello`. WebViews rarely grant cross-origin isolation, so threads are usually false. */
export function probeCapabilities(): Capabilities {
  const sharedArrayBuffer = typeof SharedArrayBuffer === 'function';
  let wasmSimd = false;
  try {
    wasmSimd = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    wasmSimd = false;
  }
  return {
    webgpu: typeof navigator !== 'undefined' && 'gpu' in navigator,
    wasmSimd,
    threads: sharedArrayBuffer && globalThis.crossOriginIsolated === true,
    sharedArrayBuffer,
  };
}
