import type { ModelshipWarningCode } from '../errors.js';
import type { RejectedVersions } from '../lifecycle/rejected.js';
import type { CachedVersion, ModelCache } from '../store/model-cache.js';
import { compareVersions } from '../store/semver.js';
import type { ResolvedManifest } from './resolved-manifest.js';

/**
 * What runs first. A version this installation rolled back from gives way to the newest cached
 * version that was not; a manifest newer than the newest cached version installs in the
 * background while the cached one serves.
 */
export async function chooseInitial(
  resolved: ResolvedManifest,
  cache: ModelCache | undefined,
  rejected: RejectedVersions,
  autoUpdate: boolean,
  warn: (code: ModelshipWarningCode, message: string) => void,
): Promise<{ initial: ResolvedManifest; pending?: ResolvedManifest }> {
  const { manifest } = resolved;
  const { validateManifest } = await import('../manifest/validate.js');
  const fromCache = (record: CachedVersion): ResolvedManifest => ({
    ...resolved,
    // The newest cached record was validated when the manifest was resolved; older ones are validated here.
    manifest: record === resolved.cached && resolved.cachedManifest ? resolved.cachedManifest : validateManifest(record.manifest),
    filesUrl: record.filesUrl ?? record.manifestUrl ?? resolved.cacheUrl,
    etag: record.etag ?? null,
    cached: record,
  });
  if (await rejected.has(manifest.name, manifest.version)) {
    let candidate = await cache?.previous(manifest.name, manifest.version, { manifestUrl: resolved.cacheUrl });
    while (candidate && (await rejected.has(candidate.name, candidate.version))) {
      candidate = await cache?.previous(manifest.name, candidate.version, { manifestUrl: resolved.cacheUrl });
    }
    if (candidate?.manifest) {
      warn('VERSION_REJECTED', `${manifest.name}@${manifest.version} was rolled back on this device; running ${candidate.version}`);
      return { initial: fromCache(candidate) };
    }
    warn('VERSION_REJECTED', `${manifest.name}@${manifest.version} was rolled back on this device, but no other version is cached`);
    return { initial: resolved };
  }
  const { cached } = resolved;
  if (resolved.source !== 'network' || !cached?.manifest || compareVersions(manifest.version, cached.version) <= 0) return { initial: resolved };
  if (await rejected.has(cached.name, cached.version)) return { initial: resolved };
  return autoUpdate ? { initial: fromCache(cached), pending: resolved } : { initial: fromCache(cached) };
}
