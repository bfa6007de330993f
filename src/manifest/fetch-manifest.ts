import { ModelshipError, abortError } from '../errors.js';
import { DEFAULT_BACKOFF, backoffDelay, sleep, type BackoffOptions } from '../fetch/backoff.js';
import { DEFAULT_LIMITS, type ManifestLimits } from './limits.js';
import type { Manifest } from './types.js';
import { validateManifest } from './validate.js';

export interface LoadedManifest {
  manifest: Manifest;
  /** Absolute URL; model file paths resolve against it. */
  url: string;
  etag: string | null;
}

export interface FetchManifestOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  limits?: ManifestLimits;
  backoff?: BackoffOptions;
}

export async function fetchManifest(manifestUrl: string, options: FetchManifestOptions = {}): Promise<LoadedManifest> {
  const base = typeof location === 'undefined' ? undefined : location.href;
  const url = new URL(manifestUrl, base).href;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    let response: Response | undefined;
    let failure: ModelshipError;
    try {
      response = await doFetch(url, { signal: options.signal, cache: 'no-cache', headers: { accept: 'application/json' } });
      if (response.ok) return parse(url, response, await readText(response, limits.maxManifestBytes, url), limits);
      failure = new ModelshipError('NETWORK', `Fetching the manifest ${url} failed with HTTP ${response.status}`, {
        details: { url, status: response.status },
      });
    } catch (cause) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (cause instanceof ModelshipError) throw cause;
      failure = new ModelshipError('NETWORK', `Could not fetch the manifest ${url}`, { cause, details: { url } });
    }
    const transient = !response || response.status >= 500 || response.status === 408 || response.status === 429;
    if (!transient || attempt + 1 >= backoff.attempts) throw failure;
    try {
      await sleep(backoffDelay(attempt, backoff), options.signal);
    } catch {
      throw abortError(options.signal);
    }
  }
}

async function readText(response: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(url, maxBytes);
  const buffer = await response.arrayBuffer();
  if (buffer.byteLength > maxBytes) throw tooLarge(url, maxBytes);
  return new TextDecoder().decode(buffer);
}

function tooLarge(url: string, maxBytes: number): ModelshipError {
  return new ModelshipError('MANIFEST_INVALID', `The manifest ${url} is larger than ${maxBytes} bytes`, { details: { field: '(root)', url } });
}

function parse(url: string, response: Response, text: string, limits: ManifestLimits): LoadedManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ModelshipError('MANIFEST_INVALID', `The manifest ${url} is not valid JSON`, { cause, details: { field: '(root)', url } });
  }
  return { manifest: validateManifest(data, limits), url, etag: response.headers.get('etag') };
}
