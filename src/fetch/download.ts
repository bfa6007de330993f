import { ModelshipError, abortError } from '../errors.js';
import type { ResumeStore } from '../store/partial-store.js';
import { DEFAULT_BACKOFF, backoffDelay, isRetryableStatus, type BackoffOptions } from './backoff.js';
import { resumeHeaders, startOf, strongEtag, type Resume } from './range.js';
import { integrityError, isIntegrity, isTransient, waitOrAbort } from './download-errors.js';
import { sha256Hex } from './sha256.js';
import { DEFAULT_STALL_TIMEOUT_MS, StallGuard } from './stall.js';

export interface DownloadRequest {
  url: string;
  expectedBytes: number;
  sha256: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  onBytes?: (loaded: number, total: number) => void;
  /** Keeps the bytes of an interrupted download so a later call (even after a reload) resumes them. */
  resume?: ResumeStore;
  /** Bytes between two saves to `resume` (default 1 MiB). */
  checkpointBytes?: number;
  /** No headers or body bytes for this long → the attempt fails and is retried; default 30 000. */
  stallTimeoutMs?: number;
}

const DEFAULT_CHECKPOINT_BYTES = 1 << 20;

/**
 * Downloads one file, streams progress, and returns its bytes only after the SHA-256 matched.
 * Transient failures (network errors, 5xx, 408, 429) are retried with backoff; a hash or size
 * mismatch is not, because the server will hand out the same wrong bytes again.
 *
 * A connection cut midway resumes with `Range` + `If-Range: <strong ETag>`: a 206 continues where
 * the bytes stopped, a 200 (the file changed) starts over from zero, so bytes of two different
 * files are never spliced. Without a strong ETag there is no safe resume and each attempt restarts.
 */
export async function downloadVerified(request: DownloadRequest): Promise<Uint8Array> {
  const backoff = request.backoff ?? DEFAULT_BACKOFF;
  const state = await restore(request);
  let lastError: unknown;
  let refetched = false;
  for (let attempt = 0; attempt < backoff.attempts; attempt++) {
    if (attempt > 0) await waitOrAbort(backoffDelay(attempt - 1, backoff), request.signal);
    try {
      if (state.loaded < state.bytes.length) await fetchInto(request, state);
      const actual = await sha256Hex(state.bytes);
      await request.resume?.clear(request.sha256).catch(() => undefined);
      if (actual === request.sha256) return state.bytes;
      if (!state.spliced || refetched) throw integrityError(request, `has SHA-256 ${actual}, the manifest declares ${request.sha256}`);
      // Resumed bytes that do not add up (a server that ignored If-Range, a stale checkpoint):
      // the whole file is fetched once more before anything is called corrupt.
      restart(state);
      refetched = true;
      attempt--;
    } catch (error) {
      if (request.signal?.aborted) throw abortError(request.signal);
      if (isIntegrity(error)) await request.resume?.clear(request.sha256).catch(() => undefined);
      if (!isTransient(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

interface State extends Resume {
  bytes: Uint8Array;
  /** The bytes were put together from more than one response (or a checkpoint and a response). */
  spliced: boolean;
  /** Bytes below this offset are already saved in `resume`. */
  saved: number;
}

async function restore(request: DownloadRequest): Promise<State> {
  const state: State = { bytes: new Uint8Array(request.expectedBytes), loaded: 0, etag: undefined, spliced: false, saved: 0 };
  const partial = await request.resume?.load(request.sha256).catch(() => undefined);
  if (partial && partial.url === request.url && partial.bytes.length <= request.expectedBytes) {
    state.bytes.set(partial.bytes);
    Object.assign(state, { loaded: partial.bytes.length, saved: partial.bytes.length, etag: partial.etag, spliced: true });
    request.onBytes?.(state.loaded, request.expectedBytes);
  }
  return state;
}

async function fetchInto(request: DownloadRequest, state: State): Promise<void> {
  const doFetch = request.fetch ?? globalThis.fetch.bind(globalThis);
  const guard = new StallGuard(request.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, request.signal);
  try {
    await fetchWith(doFetch, request, state, guard);
  } finally {
    guard.dispose();
  }
}

async function fetchWith(doFetch: typeof fetch, request: DownloadRequest, state: State, guard: StallGuard): Promise<void> {
  let response: Response;
  const headers = resumeHeaders(state);
  try {
    response = await guard.race(doFetch(request.url, { signal: guard.signal, cache: 'no-cache', headers }));
    guard.touch();
  } catch (cause) {
    if (guard.stalled) throw guard.error(request.url, 'answer', cause);
    // Cross-origin, If-Range needs a CORS preflight that a host may refuse (a network error):
    // the next attempt asks for the whole file, which needs none.
    if (headers['range']) restart(state);
    throw new ModelshipError('NETWORK', `Could not fetch ${request.url}`, { cause, details: { url: request.url, transient: true } });
  }
  try {
    await readResponse(response, request, state, guard);
  } catch (error) {
    // Whatever went wrong, the transfer stops here rather than running on in the background.
    void response.body?.cancel().catch(() => undefined);
    throw error;
  }
}

async function readResponse(response: Response, request: DownloadRequest, state: State, guard: StallGuard): Promise<void> {
  if (!response.ok) {
    const transient = isRetryableStatus(response.status) || response.status === 416;
    if (response.status === 416) restart(state);
    throw new ModelshipError('NETWORK', `Fetching ${request.url} failed with HTTP ${response.status}`, {
      details: { url: request.url, status: response.status, transient },
    });
  }
  const start = startOf(response, request.expectedBytes);
  if (start === 'mismatch') throw integrityError(request, `is ${response.headers.get('content-range')}, the manifest declares ${request.expectedBytes} bytes`);
  if (start !== 0 && start !== state.loaded) {
    const asked = state.loaded;
    restart(state);
    throw new ModelshipError('NETWORK', `${request.url} answered a range at ${start}, not ${asked}`, { details: { url: request.url, transient: true } });
  }
  if (start === 0) {
    // A 200: the file changed since the first bytes (or the server ignores ranges). Start over.
    restart(state);
    await request.resume?.clear(request.sha256).catch(() => undefined);
  } else {
    state.spliced = true;
  }
  state.etag = strongEtag(response) ?? (start > 0 ? state.etag : undefined);
  await readInto(response, request, state, guard);
}

async function readInto(response: Response, request: DownloadRequest, state: State, guard: StallGuard): Promise<void> {
  const total = request.expectedBytes;
  if (!response.body) throw new ModelshipError('NETWORK', `No body for ${request.url}`, { details: { url: request.url, transient: true } });
  const reader = response.body.getReader();
  const every = request.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await guard.race(reader.read());
        guard.touch();
      } catch (cause) {
        await checkpoint(request, state);
        if (guard.stalled) throw guard.error(request.url, 'bytes', cause);
        throw new ModelshipError('NETWORK', `Connection lost while downloading ${request.url}`, {
          cause,
          details: { url: request.url, loaded: state.loaded, transient: true },
        });
      }
      if (chunk.done) break;
      // Refuse to grow past the manifest's byte count: a hostile or wrong server cannot exhaust memory.
      if (state.loaded + chunk.value.byteLength > total) {
        await reader.cancel().catch(() => undefined);
        throw integrityError(request, `is larger than the ${total} bytes the manifest declares`);
      }
      state.bytes.set(chunk.value, state.loaded);
      state.loaded += chunk.value.byteLength;
      request.onBytes?.(state.loaded, total);
      if (state.loaded - state.saved >= every && state.loaded < total) await checkpoint(request, state);
    }
  } finally {
    reader.releaseLock();
  }
  if (state.loaded === total) return;
  // A range answer may stop short of the end (RFC 9110 lets it); ask again for the rest.
  if (response.status === 206) throw new ModelshipError('NETWORK', `${request.url} sent part of the rest`, { details: { url: request.url, transient: true } });
  throw integrityError(request, `has ${state.loaded} bytes, the manifest declares ${total}`);
}

function restart(state: State): void {
  Object.assign(state, { loaded: 0, saved: 0, etag: undefined, spliced: false });
}

/** Saves the bytes not yet saved; best effort, since a failed save only costs a longer download later. */
async function checkpoint(request: DownloadRequest, state: State): Promise<void> {
  if (!request.resume || !state.etag || state.loaded <= state.saved) return;
  try {
    await request.resume.append(request.sha256, { url: request.url, etag: state.etag }, state.saved, state.bytes.subarray(state.saved, state.loaded));
    state.saved = state.loaded;
  } catch {
    // ignored: see above
  }
}
