import { compareVersions } from './semver.js';

/** What the cache keeps per model version (one record, committed with its blobs). */
export interface CachedVersion {
  name: string;
  version: string;
  variant: string;
  files: { path: string; sha256: string; bytes: number }[];
  bytes: number;
  committedAt: number;
  lastUsedAt: number;
  /** The validated manifest the version came with, so an offline load can run it. Absent in older records. */
  manifest?: unknown;
  /** The manifest response's ETag, for `If-None-Match` on the next visit. */
  etag?: string;
  /** The manifest URL it was loaded from: offline, the caller knows the URL, not the model's name. */
  manifestUrl?: string;
  /** Where the manifest's file paths resolve, when not `manifestUrl` (a channel's own manifest). */
  filesUrl?: string;
}

/** What `commit` stores next to the files, for offline loads and revalidation. */
export interface CommitMeta {
  manifest?: unknown;
  etag?: string | null;
  manifestUrl?: string;
  filesUrl?: string;
}

/** Narrows `latestCommitted`/`previous`; every given field must match. */
export interface VersionFilter {
  name?: string;
  manifestUrl?: string;
  variant?: string;
}

/** The versions matching `filter` whose every blob is among the stored SHA-256s. */
export function selectComplete(records: CachedVersion[], storedBlobs: ReadonlySet<string>, filter: VersionFilter): CachedVersion[] {
  return records.filter(
    (record) =>
      (filter.name === undefined || record.name === filter.name) &&
      (filter.variant === undefined || record.variant === filter.variant) &&
      (filter.manifestUrl === undefined || record.manifestUrl === filter.manifestUrl) &&
      record.files.every((file) => storedBlobs.has(file.sha256)),
  );
}

/** Highest SemVer first, then the latest commit: "newest" for offline loads and rollbacks. */
export function newest(records: CachedVersion[]): CachedVersion | undefined {
  return [...records].sort((a, b) => compareVersions(b.version, a.version) || b.committedAt - a.committedAt)[0];
}
