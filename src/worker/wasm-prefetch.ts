import { getRequestUrl } from './request-url.js';

/**
 * Starts the fetch of a runtime's wasm at the start of the runtime's start, while its JS chunks are
 * still being imported, and hands that response to the runtime's glue when it asks for the same URL.
 *
 * Without it the two are one after the other: the glue (inside the chunk) asks for its wasm only once
 * the chunk has been fetched, parsed and evaluated. The glue gets the browser's own Response, once, so
 * streaming compilation, the HTTP cache and `runtime-download.ts`'s counting see what they saw before;
 * any other request, and a second one for the same URL, goes to the network as usual.
 *
 * Returns the function that puts the worker's `fetch` back and cancels the request if nobody took it.
 */
export function prefetchWasm(url: string): () => void {
  const original = globalThis.fetch;
  const controller = new AbortController();
  let pending: Promise<Response> | undefined = original(url, { credentials: 'same-origin', signal: controller.signal });
  // A failure is the glue's to report when it asks; unclaimed, it is nobody's.
  pending.catch(() => undefined);
  const wrapped: typeof fetch = (input, init) => {
    if (pending !== undefined && getRequestUrl(input, init)?.href === url) {
      const response = pending;
      pending = undefined;
      return response;
    }
    return original(input, init);
  };
  globalThis.fetch = wrapped;
  return () => {
    if (globalThis.fetch === wrapped) globalThis.fetch = original;
    // Not taken (the runtime asked for another file, or failed before asking): the bytes are not needed.
    if (pending !== undefined) controller.abort();
    pending = undefined;
  };
}
