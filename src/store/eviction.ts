/** What eviction needs to know about a cached version; `CachedVersion` satisfies it. */
export interface EvictionCandidate {
  key: string;
  lastUsedAt: number;
  files: { sha256: string; bytes: number }[];
}

export interface EvictionPlan<T extends EvictionCandidate> {
  /** Least recently used first. */
  evict: T[];
  /** Bytes in the store once `incoming` is written and `evict` removed. */
  bytesAfter: number;
  /** False when even evicting every evictable version leaves more than `targetBytes`. */
  fits: boolean;
}

/** Bytes of the distinct blobs the given versions refer to: identical files are stored once. */
export function uniqueBytes(versions: Iterable<Pick<EvictionCandidate, 'files'>>): number {
  const blobs = new Map<string, number>();
  for (const version of versions) for (const file of version.files) blobs.set(file.sha256, file.bytes);
  let total = 0;
  for (const bytes of blobs.values()) total += bytes;
  return total;
}

/**
 * Chooses least-recently-used versions to drop so that the store, with `incoming` added, holds at
 * most `targetBytes`. Versions in `keep` (pinned, in use, or `incoming` itself) are never chosen.
 * When the target cannot be met, nothing is evicted (`evict` is empty): dropping versions that
 * would not make room anyway only costs the user a later download.
 */
export function planEviction<T extends EvictionCandidate>(
  existing: T[],
  incoming: EvictionCandidate,
  targetBytes: number,
  keep: ReadonlySet<string>,
): EvictionPlan<T> {
  const remaining = new Map<string, EvictionCandidate>(existing.map((version) => [version.key, version]));
  remaining.set(incoming.key, incoming);
  let bytesAfter = uniqueBytes(remaining.values());
  const evict: T[] = [];
  const order = existing.filter((version) => !keep.has(version.key) && version.key !== incoming.key);
  order.sort((a, b) => a.lastUsedAt - b.lastUsedAt);
  for (const version of order) {
    if (bytesAfter <= targetBytes) break;
    remaining.delete(version.key);
    evict.push(version);
    bytesAfter = uniqueBytes(remaining.values());
  }
  const fits = bytesAfter <= targetBytes;
  return { evict: fits ? evict : [], bytesAfter: fits ? bytesAfter : uniqueBytes([...existing, incoming]), fits };
}
