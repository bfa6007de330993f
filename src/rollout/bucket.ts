import type { KeyValueStore } from '../store/key-value-store.js';

const BUCKET_PREFIX = 'rollout:bucket:';

interface BucketRecord {
  bucket: number;
  assignedAt: number;
}

/** A uniform number in [0, 1) from the platform's CSPRNG (32 bits are plenty for shares in percent). */
export function randomBucket(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

/**
 * This installation's rollout bucket in [0, 1): drawn once, then kept in the store so the user
 * stays on the same arm across visits (and across manifest updates that keep the channel order).
 * `installKey` separates independent experiments; a stored value out of range is redrawn.
 */
export async function assignBucket(store: KeyValueStore, installKey = 'default', random: () => number = randomBucket): Promise<number> {
  const key = BUCKET_PREFIX + installKey;
  const stored = await store.get<BucketRecord>(key);
  if (stored && typeof stored.bucket === 'number' && stored.bucket >= 0 && stored.bucket < 1) return stored.bucket;
  const bucket = random();
  await store.putMany([[key, { bucket, assignedAt: Date.now() } satisfies BucketRecord]]);
  return bucket;
}
