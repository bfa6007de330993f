import { RUNTIME_TABLE } from '../plan/runtime-table.generated.js';
import type { RuntimeName } from '../runtimes/types.js';
import type { RuntimeDownload } from './protocol.js';
import { getRequestUrl } from './request-url.js';

/** A progress message at most this often, or after this many bytes, whichever comes first (plus the last one). */
const EVERY_MS = 100;
const EVERY_BYTES = 256 * 1024;

/**
 * Counts the bytes of the runtime's wasm while the runtime starts, without touching how it loads.
 *
 * The runtimes' own glue fetches their wasm (`fetch` + `WebAssembly.instantiateStreaming`), so the
 * worker's `fetch` is wrapped for the start only, and only `.wasm` requests are looked at. The glue
 * still gets the browser's own Response — same URL, same HTTP cache entry — so streaming compilation
 * and V8's compiled-code cache (which needs a response with a URL) work as before; the bytes are
 * counted on a `clone()`, a tee of the same body read alongside the compiler.
 *
 * The load turns this on only for a runtime that has not started on this device before
 * (`runtime:warm`, the record the plan uses too), so a warm visit reads no extra byte and reports
 * nothing. Not an `only-if-cached` probe of the HTTP cache: its miss, on every first visit, is a
 * failed request (net::ERR_CACHE_MISS) in the app's network log, and it needs a same-origin URL.
 *
 * Returns the function that puts the worker's `fetch` back.
 */
export function countRuntimeDownloads(runtime: RuntimeName, post: (download: RuntimeDownload) => void): () => void {
  const original = globalThis.fetch;
  let active = true;
  const wrapped: typeof fetch = async (input, init) => {
    const response = await original(input, init);
    // Glue that kept a reference to this wrapper after the start only gets the plain fetch.
    const url = active ? wasmUrl(input, init) : undefined;
    if (url !== undefined && response.ok && response.body) void count(response.clone(), runtime, url, post);
    return response;
  };
  globalThis.fetch = wrapped;
  return () => {
    active = false;
    if (globalThis.fetch === wrapped) globalThis.fetch = original;
  };
}

/** The absolute URL of a GET of a `.wasm` file, else undefined. */
function wasmUrl(input: RequestInfo | URL, init: RequestInit | undefined): string | undefined {
  const url = getRequestUrl(input, init);
  return url?.pathname.endsWith('.wasm') ? url.href : undefined;
}

/** Reads the clone to its end; a failed download is the runtime's to report, so errors end the count quietly. */
async function count(response: Response, runtime: RuntimeName, url: string, post: (download: RuntimeDownload) => void): Promise<void> {
  // Content-Length counts encoded bytes: with a Content-Encoding it is not the body's length.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const length = Number(response.headers.get('content-length'));
  const expected = !encoded && length > 0 ? length : RUNTIME_TABLE[runtime]?.wasmBytes ?? 0;
  const reader = response.body!.getReader();
  let loaded = 0;
  let sentBytes = -1;
  let sentAt = 0;
  try {
    post({ runtime, url, loaded, total: expected });
    sentBytes = 0;
    sentAt = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.byteLength;
      const at = performance.now();
      if (loaded - sentBytes >= EVERY_BYTES || at - sentAt >= EVERY_MS) {
        post({ runtime, url, loaded, total: Math.max(expected, loaded) });
        sentBytes = loaded;
        sentAt = at;
      }
    }
    // The last one says what the download really was.
    post({ runtime, url, loaded, total: loaded });
  } catch {
    reader.releaseLock();
  }
}
