import { isModelshipError, type ModelshipWarningCode } from '../errors.js';
import { confinedUrl, type AllowedOrigins } from '../manifest/confine.js';
import type { Manifest, Variant } from '../manifest/types.js';
import type { ModelCache } from '../store/model-cache.js';
import type { CacheStatus, LoadProgress } from '../types.js';
import type { BackoffOptions } from './backoff.js';
import { downloadVerified } from './download.js';

export interface ModelFilesRequest {
  manifest: Manifest;
  manifestUrl: string;
  /** The manifest response's ETag, kept with the version for If-None-Match on later visits. */
  manifestEtag?: string | null;
  /** The URL the app asked for, which offline loads look versions up by; default `manifestUrl`. */
  cacheUrl?: string;
  variant: Variant;
  cache: ModelCache | undefined;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** No bytes for this long → retry, then NETWORK; default 30 000. */
  stallTimeoutMs?: number;
  /** Origins other than the manifest's own that file paths may resolve to. */
  allowedOrigins?: AllowedOrigins;
  onProgress?: (event: LoadProgress) => void;
  onWarning?: (code: ModelshipWarningCode, message: string, cause: unknown) => void;
}

export interface ModelFiles {
  files: Uint8Array[];
  status: CacheStatus;
  bytes: number;
}

/** Cached bytes when the exact version is committed; otherwise downloads, verifies, and commits every file at once. */
export async function obtainModelFiles(request: ModelFilesRequest): Promise<ModelFiles> {
  const { manifest, variant, cache } = request;
  const total = variant.files.reduce((sum, file) => sum + file.bytes, 0);
  const cached = await cache?.read(manifest.name, manifest.version, variant.id, variant.files).catch(() => undefined);
  if (cached) {
    request.onProgress?.({ type: 'cache-hit', variant: variant.id, bytes: total });
    return { files: cached, status: 'hit', bytes: total };
  }
  const done: number[] = variant.files.map(() => 0);
  const verified = [];
  // Every URL is checked before the first byte is fetched: one bad path fails the variant, not half of it.
  const variantIndex = manifest.variants.indexOf(variant);
  const urls = variant.files.map((file, index) =>
    confinedUrl(file.path, request.manifestUrl, `variants[${variantIndex}].files[${index}].path`, request.allowedOrigins),
  );
  for (const [index, file] of variant.files.entries()) {
    const url = urls[index]!;
    const bytes = await downloadVerified({
      url,
      expectedBytes: file.bytes,
      sha256: file.sha256,
      fetch: request.fetch,
      signal: request.signal,
      backoff: request.backoff,
      stallTimeoutMs: request.stallTimeoutMs,
      // Resume points live in the same store, under `partial:` keys the cache never reads as a version.
      resume: cache?.partials,
      onBytes: (loaded) => {
        done[index] = loaded;
        const overall = { loaded: done.reduce((a, b) => a + b, 0), total };
        request.onProgress?.({ type: 'download', file: file.path, loaded, total: file.bytes, overall });
      },
    });
    request.onProgress?.({ type: 'verify', file: file.path });
    verified.push({ file, bytes });
  }
  let status: CacheStatus = 'uncached';
  if (cache) {
    try {
      await cache.commit(manifest.name, manifest.version, variant.id, verified, {
        manifest,
        etag: request.manifestEtag,
        manifestUrl: request.cacheUrl ?? request.manifestUrl,
        filesUrl: request.manifestUrl,
      });
      status = 'stored';
    } catch (cause) {
      // The model still runs from memory: a full disk must not break the app.
      const code = isModelshipError(cause, 'QUOTA_EXCEEDED') ? 'QUOTA_EXCEEDED' : 'CACHE_WRITE_FAILED';
      request.onWarning?.(code, `Model ${manifest.name}@${manifest.version} runs uncached: ${(cause as Error).message}`, cause);
    }
  }
  return { files: verified.map(({ bytes }) => bytes), status, bytes: total };
}
