import type { ModelFile } from '../manifest/types.js';
import { planEviction, uniqueBytes, type EvictionCandidate } from './eviction.js';
import type { KeyValueStore } from './key-value-store.js';
import { PartialStore } from './partial-store.js';
import { quotaError, isQuotaError, toOwnBuffer } from './quota.js';
import { compareVersions } from './semver.js';
import { newest, selectComplete, type CachedVersion, type CommitMeta, type VersionFilter } from './versions.js';

export { isQuotaError };
export type { CachedVersion, CommitMeta, VersionFilter };

export interface ModelCacheOptions {
  /** Byte budget for committed versions; least recently used ones are evicted to stay under it. */
  maxBytes?: number;
}

export interface VerifiedFile {
  file: ModelFile;
  bytes: Uint8Array;
}

const BLOB_PREFIX = 'blob:';
const VERSION_PREFIX = 'version:';

export const versionKey = (name: string, version: string, variant: string): string =>
  `${VERSION_PREFIX}${name}@${version}#${variant}`;
const keyOf = (record: CachedVersion): string => versionKey(record.name, record.version, record.variant);
const candidate = (record: CachedVersion): CachedVersion & EvictionCandidate => ({ ...record, key: keyOf(record) });

/**
 * Content-addressed model files plus one record per model version. The record is written in the
 * same transaction as the files, so a version is visible only once every file is there.
 */
export class ModelCache {
  /** Resume points of unfinished downloads, kept apart from versions (see PartialStore). */
  readonly partials: PartialStore;
  private readonly pins = new Map<string, number>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: ModelCacheOptions = {},
  ) {
    this.partials = new PartialStore(store);
  }

  async read(name: string, version: string, variant: string, files: ModelFile[]): Promise<Uint8Array[] | undefined> {
    const record = await this.store.get<CachedVersion>(versionKey(name, version, variant));
    if (!record || !sameFiles(record, files)) return undefined;
    const blobs = await this.store.getMany<ArrayBuffer>(files.map((file) => BLOB_PREFIX + file.sha256));
    const out: Uint8Array[] = [];
    for (const [index, blob] of blobs.entries()) {
      if (!(blob instanceof ArrayBuffer) || blob.byteLength !== files[index]?.bytes) return undefined;
      out.push(new Uint8Array(blob));
    }
    await this.store.putMany([[versionKey(name, version, variant), { ...record, lastUsedAt: Date.now() }]]);
    return out;
  }

  /**
   * Writes the files and the version record in one transaction. Over `maxBytes`, least recently
   * used versions that are not pinned make room first; on QuotaExceededError, partial downloads and
   * as many LRU bytes as the new version adds are dropped and the write is tried once more.
   * Throws QUOTA_EXCEEDED when the version still does not fit.
   */
  async commit(name: string, version: string, variant: string, verified: VerifiedFile[], meta: CommitMeta = {}): Promise<void> {
    const now = Date.now();
    const record: CachedVersion = {
      name,
      version,
      variant,
      files: verified.map(({ file }) => ({ path: file.path, sha256: file.sha256, bytes: file.bytes })),
      bytes: verified.reduce((sum, { file }) => sum + file.bytes, 0),
      committedAt: now,
      lastUsedAt: now,
      ...(meta.manifest === undefined ? {} : { manifest: meta.manifest }),
      ...(meta.etag ? { etag: meta.etag } : {}),
      ...(meta.manifestUrl === undefined ? {} : { manifestUrl: meta.manifestUrl }),
      ...(meta.filesUrl === undefined || meta.filesUrl === meta.manifestUrl ? {} : { filesUrl: meta.filesUrl }),
    };
    const entries: [string, unknown][] = verified.map(({ file, bytes }) => [BLOB_PREFIX + file.sha256, toOwnBuffer(bytes)]);
    entries.push([keyOf(record), record]);
    const keep = new Set([...this.pins.keys(), keyOf(record)]);
    if (this.options.maxBytes !== undefined) {
      const existing = (await this.versions()).map(candidate);
      const plan = planEviction(existing, candidate(record), this.options.maxBytes, keep);
      if (!plan.fits) throw quotaError(record, `it does not fit the cache budget of ${this.options.maxBytes} bytes`);
      await this.removeMany(plan.evict);
    }
    try {
      await this.store.putMany(entries);
    } catch (cause) {
      if (!isQuotaError(cause)) throw cause;
      await this.partials.clearAll().catch(() => 0);
      const existing = (await this.versions()).map(candidate);
      await this.removeMany(planEviction(existing, candidate(record), uniqueBytes(existing), keep).evict);
      try {
        await this.store.putMany(entries);
      } catch (again) {
        if (isQuotaError(again)) throw quotaError(record, 'the browser refused the write twice', again);
        throw again;
      }
    }
  }

  /** Protects a version from eviction while it runs; call the returned function to release it. */
  pin(name: string, version: string, variant: string): () => void {
    const key = versionKey(name, version, variant);
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
    let held = true;
    return () => {
      const left = (this.pins.get(key) ?? 1) - (held ? 1 : 0);
      held = false;
      if (left > 0) this.pins.set(key, left);
      else this.pins.delete(key);
    };
  }

  async versions(): Promise<CachedVersion[]> {
    const keys = (await this.store.keys()).filter((key) => key.startsWith(VERSION_PREFIX));
    const records = await this.store.getMany<CachedVersion>(keys);
    return records.filter((record): record is CachedVersion => record !== undefined);
  }

  /** The newest complete version (SemVer, then commit time) matching the filter: what an offline load runs. */
  async latestCommitted(filter: VersionFilter): Promise<CachedVersion | undefined> {
    return newest(await this.complete(filter));
  }

  /** The newest complete version older than `currentVersion`: what a rollback returns to. */
  async previous(name: string, currentVersion: string, filter: Omit<VersionFilter, 'name'> = {}): Promise<CachedVersion | undefined> {
    const older = (await this.complete({ ...filter, name })).filter((record) => compareVersions(record.version, currentVersion) < 0);
    return newest(older);
  }

  /** Removes a version and every blob no other version refers to. */
  async remove(name: string, version: string, variant: string): Promise<void> {
    const key = versionKey(name, version, variant);
    await this.removeMany((await this.versions()).filter((record) => keyOf(record) === key));
  }

  /**
   * Forgets a version whose stored bytes turned out wrong: its record and the named blobs, even
   * when other versions share them (those become incomplete, so they download again too).
   */
  async discard(name: string, version: string, variant: string, blobShas: string[]): Promise<void> {
    await this.store.deleteMany([versionKey(name, version, variant), ...blobShas.map((sha) => BLOB_PREFIX + sha)]);
  }

  async usageBytes(): Promise<number> {
    return uniqueBytes(await this.versions());
  }

  private async removeMany(targets: CachedVersion[]): Promise<void> {
    if (targets.length === 0) return;
    const gone = new Set(targets.map(keyOf));
    const stillUsed = new Set(
      (await this.versions()).filter((record) => !gone.has(keyOf(record))).flatMap((record) => record.files.map((file) => file.sha256)),
    );
    const orphans = new Set(targets.flatMap((record) => record.files.map((file) => file.sha256)).filter((sha) => !stillUsed.has(sha)));
    await this.store.deleteMany([...gone, ...[...orphans].map((sha) => BLOB_PREFIX + sha)]);
  }

  /** Versions whose every blob is stored (checked by key, without reading the bytes). */
  private async complete(filter: VersionFilter): Promise<CachedVersion[]> {
    const stored = new Set((await this.store.keys()).filter((key) => key.startsWith(BLOB_PREFIX)).map((key) => key.slice(BLOB_PREFIX.length)));
    return selectComplete(await this.versions(), stored, filter);
  }
}

function sameFiles(record: CachedVersion, files: ModelFile[]): boolean {
  return (
    record.files.length === files.length &&
    record.files.every((file, index) => file.sha256 === files[index]?.sha256 && file.bytes === files[index]?.bytes)
  );
}
