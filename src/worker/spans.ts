import type { Span } from './protocol.js';

/** Epoch milliseconds: comparable across the page and its workers, whose `performance.now()` clocks start apart. */
export const now = (): number => performance.timeOrigin + performance.now();

/**
 * Splits a runtime's start into its import (the runtime's JS chunks: fetch, parse, evaluate), the
 * fetch of its wasm (from Resource Timing: first request to last byte, and whether the bytes came
 * from the HTTP cache) and what remains after the last byte (compile, instantiate, backend start;
 * streaming compilation overlaps the fetch, so this is the part the fetch does not hide).
 */
export function startSpans(begun: number, imported: number, started: number): Span[] {
  const spans: Span[] = [{ name: 'runtime-import', start: begun, end: imported }];
  const origin = performance.timeOrigin;
  const wasm = (performance.getEntriesByType?.('resource') ?? []).filter(
    // From the start's beginning: the wasm may be fetched alongside the import (wasm-prefetch.ts).
    (entry): entry is PerformanceResourceTiming => entry.name.endsWith('.wasm') && origin + entry.startTime >= begun - 1,
  );
  if (wasm.length === 0) return [...spans, { name: 'compile', start: imported, end: started }];
  const fetchStart = Math.min(...wasm.map((entry) => origin + entry.startTime));
  // Compile starts when both the bytes and the glue (in the imported chunk) are there.
  const fetchEnd = Math.max(imported, Math.min(started, Math.max(...wasm.map((entry) => origin + entry.responseEnd))));
  // transferSize 0 with a body: served by the HTTP cache (same-origin, or Timing-Allow-Origin).
  const cached = wasm.every((entry) => entry.transferSize === 0 && entry.decodedBodySize > 0);
  const bytes = wasm.reduce((sum, entry) => sum + entry.decodedBodySize, 0);
  return [
    ...spans,
    { name: 'runtime-fetch', start: fetchStart, end: fetchEnd, detail: `${(bytes / 1e6).toFixed(2)} MB wasm${cached ? ', HTTP cache' : ''}` },
    { name: 'compile', start: fetchEnd, end: started },
  ];
}

/** Runtimes whose start fetches a .wasm (the others run on JavaScript, WebGL or WebGPU alone). */
const FETCHES_WASM = new Set(['onnx-wasm', 'onnx-webgpu', 'tfjs-wasm', 'litert-wasm', 'litert-webgpu']);

const wasmTimedSince = (begun: number): boolean =>
  (performance.getEntriesByType?.('resource') ?? []).some((entry) => entry.name.endsWith('.wasm') && performance.timeOrigin + entry.startTime >= begun - 1);

/**
 * Resolves once the wasm fetched since `begun` has its Resource Timing entry, or after `withinMs`. The
 * entry is queued a task or more after the fetch's last byte, and a start that compiles the wasm as it
 * streams in can end first; a load that read its spans at once then reported no `runtime-fetch` at all.
 * Waits only for runtimes that fetch a wasm, and only while the entry is missing.
 */
export function wasmTimed(runtime: string, begun: number, withinMs = 100): Promise<void> {
  if (!FETCHES_WASM.has(runtime) || wasmTimedSince(begun) || typeof PerformanceObserver === 'undefined') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      observer.disconnect();
      resolve();
    };
    const timer = setTimeout(done, withinMs);
    const observer = new PerformanceObserver(() => {
      if (wasmTimedSince(begun)) done();
    });
    observer.observe({ type: 'resource' });
  });
}
