import { isModelshipError, ModelshipError, type ModelshipWarningCode } from '../errors.js';
import { confinedUrl } from '../manifest/confine.js';
import { fetchManifest, resolveManifestUrl, type FetchManifestOptions } from '../manifest/fetch-manifest.js';
import type { Manifest } from '../manifest/types.js';
import { validateManifest } from '../manifest/validate.js';
import { assignBucket } from '../rollout/bucket.js';
import { chooseChannel, type ChannelChoice } from '../rollout/choose.js';
import type { KeyValueStore } from '../store/key-value-store.js';
import type { CachedVersion, ModelCache } from '../store/model-cache.js';

export interface ResolvedManifest {
  manifest: Manifest;
  /** The URL the app asked for: the cache key for this model across versions and channels. */
  cacheUrl: string;
  /** Where this version's files resolve from (a channel may have a manifest of its own). */
  filesUrl: string;
  etag: string | null;
  source: 'network' | 'not-modified' | 'offline';
  channel?: ChannelChoice;
  /** The newest complete version already on the device for this URL, if any. */
  cached?: CachedVersion;
  /** `cached.manifest`, validated. */
  cachedManifest?: Manifest;
}

export interface ResolveContext {
  cache: ModelCache | undefined;
  /** Where the installation's rollout bucket lives. */
  bucketStore: KeyValueStore | undefined;
  fetchOptions: Omit<FetchManifestOptions, 'etag'>;
  /** Forces a channel by name instead of the installation's bucket. */
  channel?: string;
  warn: (code: ModelshipWarningCode, message: string, cause?: unknown) => void;
}

/**
 * Which manifest to run now: revalidated with the cached version's ETag when there is one, the
 * newest cached version when the network cannot be reached, then the rollout channel this
 * installation's bucket falls in.
 */
export async function resolveManifest(manifestUrl: string, context: ResolveContext): Promise<ResolvedManifest> {
  const cacheUrl = resolveManifestUrl(manifestUrl);
  const cached = await context.cache?.latestCommitted({ manifestUrl: cacheUrl }).catch(() => undefined);
  const cachedManifest = cached?.manifest === undefined ? undefined : validateManifest(cached.manifest);
  let resolved: ResolvedManifest;
  try {
    const answer = await fetchManifest(cacheUrl, { ...context.fetchOptions, etag: cachedManifest ? cached?.etag : undefined });
    resolved = answer.notModified
      ? { manifest: cachedManifest!, cacheUrl, filesUrl: cached?.filesUrl ?? cached?.manifestUrl ?? cacheUrl, etag: answer.etag, source: 'not-modified', cached, cachedManifest }
      : { manifest: answer.manifest, cacheUrl, filesUrl: cacheUrl, etag: answer.etag, source: 'network', cached, cachedManifest };
  } catch (error) {
    if (!cachedManifest || !isModelshipError(error, 'NETWORK')) throw error;
    context.warn('OFFLINE', `The manifest could not be fetched; running cached ${cachedManifest.name}@${cachedManifest.version}`, error);
    return { manifest: cachedManifest, cacheUrl, filesUrl: cacheUrl, etag: cached?.etag ?? null, source: 'offline', cached, cachedManifest };
  }
  return followChannel(resolved, context);
}

async function followChannel(resolved: ResolvedManifest, context: ResolveContext): Promise<ResolvedManifest> {
  const channels = resolved.manifest.channels ?? [];
  if (channels.length === 0) return resolved;
  let choice: ChannelChoice;
  if (context.channel !== undefined) {
    const forced = channels.find((channel) => channel.name === context.channel);
    if (!forced) {
      throw new ModelshipError('INPUT_INVALID', `options.channel "${context.channel}" is not among the manifest's channels`, {
        details: { field: 'options.channel' },
      });
    }
    choice = { channel: forced, version: forced.version, manifest: forced.manifest, bucket: NaN, reason: `channel ${forced.name} requested` };
  } else {
    const bucket = context.bucketStore ? await assignBucket(context.bucketStore, resolved.manifest.name) : Math.random();
    choice = chooseChannel(channels, bucket, resolved.manifest.version);
  }
  if (choice.version === undefined || choice.version === resolved.manifest.version) return { ...resolved, channel: choice };
  if (!choice.manifest) {
    context.warn('CHANNEL_WITHOUT_MANIFEST', `Channel ${choice.channel?.name} names version ${choice.version} but no manifest; staying on ${resolved.manifest.version}`);
    return { ...resolved, channel: choice };
  }
  const url = confinedUrl(choice.manifest, resolved.filesUrl, `channels[${channels.indexOf(choice.channel!)}].manifest`, context.fetchOptions.allowedOrigins);
  const arm = await fetchManifest(url, context.fetchOptions);
  if (arm.manifest.version !== choice.version || arm.manifest.name !== resolved.manifest.name) {
    throw new ModelshipError('MANIFEST_INVALID', `Channel ${choice.channel?.name} points at ${arm.manifest.name}@${arm.manifest.version}, expected ${resolved.manifest.name}@${choice.version}`, {
      details: { field: 'channels', url },
    });
  }
  return { ...resolved, manifest: arm.manifest, filesUrl: url, etag: arm.etag, channel: choice };
}
