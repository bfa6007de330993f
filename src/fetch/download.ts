import { ModelshipError, abortError } from '../errors.js';
import { DEFAULT_BACKOFF, backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { sha256Hex } from './sha256.js';

export interface DownloadRequest {
  url: string;
  expectedBytes: number;
  sha256: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  onBytes?: (loaded: number, total: number) => void;
}

/**
 * Downloads one file, streams progress, and returns its bytes only after the SHA-256 matched.
 * Transient failures (network errors, 5xx, 408, 429) are retried with backoff; a hash or size
 * mismatch is not, because the server will hand out the same wrong bytes again.
 */
export async function downloadVerified(request: DownloadRequest): Promise<Uint8Array> {
  const backoff = request.backoff ?? DEFAULT_BACKOFF;
  let lastError: unknown;
  for (let attempt = 0; attempt < backoff.attempts; attempt++) {
    if (attempt > 0) await waitOrAbort(backoffDelay(attempt - 1, backoff), request.signal);
    try {
      const bytes = await fetchBody(request);
      await verify(bytes, request);
      return bytes;
    } catch (error) {
      if (request.signal?.aborted) throw abortError(request.signal);
      if (!isTransient(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function fetchBody(request: DownloadRequest): Promise<Uint8Array> {
  const doFetch = request.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await doFetch(request.url, { signal: request.signal, cache: 'no-cache' });
  } catch (cause) {
    throw new ModelshipError('NETWORK', `Could not fetch ${request.url}`, { cause, details: { url: request.url, transient: true } });
  }
  if (!response.ok) {
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new ModelshipError('NETWORK', `Fetching ${request.url} failed with HTTP ${response.status}`, {
      details: { url: request.url, status: response.status, transient },
    });
  }
  return readLimited(response, request);
}

async function readLimited(response: Response, request: DownloadRequest): Promise<Uint8Array> {
  const total = request.expectedBytes;
  const out = new Uint8Array(total);
  let loaded = 0;
  if (!response.body) throw new ModelshipError('NETWORK', `No body for ${request.url}`, { details: { url: request.url, transient: true } });
  const reader = response.body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        throw new ModelshipError('NETWORK', `Connection lost while downloading ${request.url}`, {
          cause,
          details: { url: request.url, loaded, transient: true },
        });
      }
      if (chunk.done) break;
      // Refuse to grow past the manifest's byte count: a hostile or wrong server cannot exhaust memory.
      if (loaded + chunk.value.byteLength > total) {
        throw integrityError(request, `is larger than the ${total} bytes the manifest declares`);
      }
      out.set(chunk.value, loaded);
      loaded += chunk.value.byteLength;
      request.onBytes?.(loaded, total);
    }
  } finally {
    reader.releaseLock();
  }
  if (loaded !== total) throw integrityError(request, `has ${loaded} bytes, the manifest declares ${total}`);
  return out;
}

async function verify(bytes: Uint8Array, request: DownloadRequest): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== request.sha256) throw integrityError(request, `has SHA-256 ${actual}, the manifest declares ${request.sha256}`);
}

function integrityError(request: DownloadRequest, what: string): ModelshipError {
  return new ModelshipError('INTEGRITY_MISMATCH', `${request.url} ${what}; nothing was cached`, {
    details: { url: request.url, expectedSha256: request.sha256, expectedBytes: request.expectedBytes },
  });
}

function isTransient(error: unknown): boolean {
  return error instanceof ModelshipError && error.code === 'NETWORK' && error.details['transient'] === true;
}

async function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw abortError(signal);
  }
}
