import type { ModelshipWarningCode } from '../errors.js';
import type { FetchManifestOptions } from '../manifest/fetch-manifest.js';
import type { Manifest } from '../manifest/types.js';
import type { ChannelChoice } from '../rollout/choose.js';
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
  fetchOptions: Omit<FetchManifestOptions, 'etag' | 'signal'>;
  /** The bucket is drawn under a Web Lock, so two tabs drawing at once agree. */
  sharedStore: boolean;
  /** Forces a channel by name instead of the installation's bucket. */
  channel?: string;
  warn: (code: ModelshipWarningCode, message: string, cause?: unknown) => void;
}
