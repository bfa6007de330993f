import { ModelshipError, abortError } from '../errors.js';
import { abortableSleep as sleep } from '../abort/sleep.js';
import { DEFAULT_BACKOFF, backoffDelay, isRetryableStatus, type BackoffOptions } from '../fetch/backoff.js';
import { DEFAULT_STALL_TIMEOUT_MS, StallGuard } from '../fetch/stall.js';
import type { AllowedOrigins } from './confine.js';
import { DEFAULT_LIMITS, type ManifestLimits } from './default-limits.js';
import type { Manifest } from './types.js';

export interface LoadedManifest {
  manifest: Manifest;
  /** Absolute URL; model file paths resolve against it. */
  url: string;
  etag: string | null;
  notModified?: false;
}

/** The server confirmed (304) that the manifest with the ETag the caller sent is still current. */
export interface NotModified {
  notModified: true;
  url: string;
  etag: string;
}

export interface FetchManifestOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  limits?: ManifestLimits;
  backoff?: BackoffOptions;
  /** The ETag of a manifest already held (e.g. `CachedVersion.etag`): sent as If-None-Match. */
  etag?: string;
  /** No headers or body bytes for this long → the attempt fails (NETWORK, retried); default 30 000. */
  stallTimeoutMs?: number;
  /** Origins other than the manifest's own that its files and channel manifests may name. */
  allowedOrigins?: AllowedOrigins;
}

/** The absolute URL a manifest is fetched from and cached under; offline lookups must use the same. */
export function resolveManifestUrl(manifestUrl: string): string {
  return new URL(manifestUrl, typeof location === 'undefined' ? undefined : location.href).href;
}

/**
 * Fetches, size-limits and validates a manifest, retrying transient failures. With `etag`, a 304
 * resolves `{ notModified: true }` and transfers no body. A failure without any HTTP answer
 * (offline, DNS, refused) rejects NETWORK with `details.unreachable: true`, the cue to run the
 * newest cached version instead.
 */
export function fetchManifest(manifestUrl: string, options?: Omit<FetchManifestOptions, 'etag'>): Promise<LoadedManifest>;
export function fetchManifest(manifestUrl: string, options: FetchManifestOptions): Promise<LoadedManifest | NotModified>;
export async function fetchManifest(manifestUrl: string, options: FetchManifestOptions = {}): Promise<LoadedManifest | NotModified> {
  const url = resolveManifestUrl(manifestUrl);
  const headers: Record<string, string> = { accept: 'application/json' };
  // A request with If-None-Match bypasses the HTTP cache (fetch spec), so a 304 reaches us as it is.
  if (options.etag) headers['if-none-match'] = options.etag;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  // The compiled schema validator (~55 KB) is a chunk of its own, fetched while the manifest is.
  const validator = import('./validate.js');
  validator.catch(() => undefined);
  const confinement = import('./confine.js');
  confinement.catch(() => undefined);
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    let response: Response | undefined;
    let failure: ModelshipError;
    const guard = new StallGuard(options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, options.signal);
    try {
      response = await guard.race(doFetch(url, { signal: guard.signal, cache: 'no-cache', headers }));
      guard.touch();
      if (response.status === 304 && options.etag) return { notModified: true, url, etag: response.headers.get('etag') ?? options.etag };
      if (response.ok) {
        const text = await readText(response, limits.maxManifestBytes, url, guard);
        const loaded = parse(url, response, text, limits, await validator);
        (await confinement).checkManifestUrls(loaded.manifest, url, options.allowedOrigins);
        return loaded;
      }
      void response.body?.cancel().catch(() => undefined);
      failure = new ModelshipError('NETWORK', `Fetching the manifest ${url} failed with HTTP ${response.status}`, {
        details: { url, status: response.status },
      });
    } catch (cause) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (cause instanceof ModelshipError) throw cause;
      if (guard.stalled) {
        // A stall is transient: the next attempt may find a server that answers.
        failure = guard.error(url, response ? 'manifest bytes' : 'answer to the manifest request', cause);
        response = undefined;
      } else {
        failure = new ModelshipError('NETWORK', `Could not fetch the manifest ${url}`, { cause, details: { url, unreachable: true } });
      }
    } finally {
      guard.dispose();
    }
    const transient = !response || isRetryableStatus(response.status);
    // The browser knows it is offline: retrying only delays the fallback to the cached version.
    const offline = !response && typeof navigator !== 'undefined' && navigator.onLine === false;
    if (!transient || offline || attempt + 1 >= backoff.attempts) throw failure;
    try {
      await sleep(backoffDelay(attempt, backoff), options.signal);
    } catch {
      throw abortError(options.signal);
    }
  }
}

/** Counts bytes as they stream: a body without Content-Length (or one that lies) is cut at the limit, not read to the end. */
async function readText(response: Response, maxBytes: number, url: string, guard: StallGuard): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(url, maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await guard.race(reader.read());
      if (done) break;
      guard.touch();
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(url, maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    throw error;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(url: string, maxBytes: number): ModelshipError {
  return new ModelshipError('MANIFEST_INVALID', `The manifest ${url} is larger than ${maxBytes} bytes`, { details: { field: '(root)', url } });
}

function parse(url: string, response: Response, text: string, limits: ManifestLimits, validator: typeof import('./validate.js')): LoadedManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ModelshipError('MANIFEST_INVALID', `The manifest ${url} is not valid JSON`, { cause, details: { field: '(root)', url } });
  }
  return { manifest: validator.validateManifest(data, limits), url, etag: response.headers.get('etag') };
}
