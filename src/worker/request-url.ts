/**
 * The absolute URL a `fetch(input, init)` call asks for when it is a GET, else undefined (also for
 * an input that is no URL). Relative inputs resolve against the worker's location, as fetch does.
 * Used by the worker's fetch wrappers (runtime-download.ts, wasm-prefetch.ts) to pick their requests.
 */
export function getRequestUrl(input: RequestInfo | URL, init: RequestInit | undefined): URL | undefined {
  const request = input instanceof Request ? input : undefined;
  if ((init?.method ?? request?.method ?? 'GET').toUpperCase() !== 'GET') return undefined;
  try {
    return new URL(request ? request.url : String(input), globalThis.location?.href);
  } catch {
    return undefined;
  }
}
