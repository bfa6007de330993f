import { isModelshipError, type ModelshipWarningCode } from '../errors.js';
import type { AllowedOrigins } from '../manifest/confine.js';
import type { Manifest, Variant } from '../manifest/types.js';
import type { ModelCache } from '../store/model-cache.js';
import type { BackoffOptions } from './backoff.js';
import { sha256Hex } from './sha256.js';

/** Where a variant's bytes came from on this load. */
export type CacheStatus = 'hit' | 'stored' | 'uncached';

/** The files step's part of `LoadProgress`. */
export type FilesProgress =
  | { type: 'cache-hit'; variant: string; bytes: number }
  | { type: 'download'; file: string; loaded: number; total: number; overall: { loaded: number; total: number } }
  | { type: 'verify'; file: string };

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
  onProgress?: (event: FilesProgress) => void;
  onWarning?: (code: ModelshipWarningCode, message: string, cause: unknown) => void;
}

export interface ModelFiles {
  files: Uint8Array[];
  status: CacheStatus;
  bytes: number;
}

/**
 * Cached bytes when the exact version is committed and every file still hashes to the manifest's
 * SHA-256; otherwise downloads, verifies, and commits every file at once. A cached file whose bytes
 * changed is evicted and fetched again, with a CACHE_CORRUPTED warning.
 */
export async function obtainModelFiles(request: ModelFilesRequest): Promise<ModelFiles> {
  const { manifest, variant, cache } = request;
  const total = variant.files.reduce((sum, file) => sum + file.bytes, 0);
  // A warm load never downloads: the downloader is a chunk of its own, requested alongside the cache read.
  const downloader = import('./download.js');
  downloader.catch(() => undefined);
  const confinement = import('../manifest/confine.js');
  confinement.catch(() => undefined);
  const cached = await cache?.read(manifest.name, manifest.version, variant.id, variant.files).catch(() => undefined);
  if (cached && cache) {
    const corrupted = await changedFiles(variant, cached);
    if (corrupted.length === 0) {
      request.onProgress?.({ type: 'cache-hit', variant: variant.id, bytes: total });
      return { files: cached, status: 'hit', bytes: total };
    }
    await cache.discard(manifest.name, manifest.version, variant.id, corrupted.map((file) => file.sha256)).catch(() => undefined);
    request.onWarning?.(
      'CACHE_CORRUPTED',
      `Cached ${manifest.name}@${manifest.version} (${variant.id}) no longer matches its SHA-256 (${corrupted.map((file) => file.path).join(', ')}); evicted and downloading it again`,
      undefined,
    );
  }
  const done: number[] = variant.files.map(() => 0);
  const verified = [];
  // Every URL is checked before the first byte is fetched: one bad path fails the variant, not half of it.
  const variantIndex = manifest.variants.indexOf(variant);
  const { confinedUrl } = await confinement;
  const urls = variant.files.map((file, index) =>
    confinedUrl(file.path, request.manifestUrl, `variants[${variantIndex}].files[${index}].path`, request.allowedOrigins),
  );
  for (const [index, file] of variant.files.entries()) {
    const url = urls[index]!;
    const bytes = await (await downloader).downloadVerified({
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

/** Same length is not same bytes: storage can flip bits, and an extension or a user can rewrite IndexedDB. */
async function changedFiles(variant: Variant, bytes: Uint8Array[]): Promise<Variant['files']> {
  const hashes = await Promise.all(bytes.map((file) => sha256Hex(file)));
  return variant.files.filter((file, index) => hashes[index] !== file.sha256);
}
