import { isModelshipError } from '../errors.js';
import { fetchManifest, resolveManifestUrl } from '../manifest/fetch-manifest.js';
import type { ResolveContext, ResolvedManifest } from './resolved-manifest.js';

/**
 * Which manifest to run now: revalidated with the cached version's ETag when there is one, the
 * newest cached version when the network cannot be reached, then the rollout channel this
 * installation's bucket falls in.
 */
export async function resolveManifest(manifestUrl: string, context: ResolveContext, signal?: AbortSignal): Promise<ResolvedManifest> {
  const cacheUrl = resolveManifestUrl(manifestUrl);
  const cached = await context.cache?.latestCommitted({ manifestUrl: cacheUrl }).catch(() => undefined);
  // The validator is a chunk of its own; a cached manifest waits for it, a fresh one loads it alongside its fetch.
  const cachedManifest = cached?.manifest === undefined ? undefined : (await import('../manifest/validate.js')).validateManifest(cached.manifest);
  let resolved: ResolvedManifest;
  try {
    const answer = await fetchManifest(cacheUrl, { ...context.fetchOptions, signal, etag: cachedManifest ? cached?.etag : undefined });
    resolved = answer.notModified
      ? { manifest: cachedManifest!, cacheUrl, filesUrl: cached?.filesUrl ?? cached?.manifestUrl ?? cacheUrl, etag: answer.etag, source: 'not-modified', cached, cachedManifest }
      : { manifest: answer.manifest, cacheUrl, filesUrl: cacheUrl, etag: answer.etag, source: 'network', cached, cachedManifest };
  } catch (error) {
    if (!cachedManifest || !isModelshipError(error, 'NETWORK')) throw error;
    context.warn('OFFLINE', `The manifest could not be fetched; running cached ${cachedManifest.name}@${cachedManifest.version}`, error);
    return { manifest: cachedManifest, cacheUrl, filesUrl: cacheUrl, etag: cached?.etag ?? null, source: 'offline', cached, cachedManifest };
  }
  if ((resolved.manifest.channels ?? []).length === 0) return resolved;
  // Staged rollouts are their own chunk: most models have no channels.
  return (await import('./follow-channel.js')).followChannel(resolved, context, signal);
}
