import type { Engine } from '../engine.js';
import type { Manifest, Variant } from '../manifest/types.js';
import type { CacheStatus } from '../fetch/model-files.js';
import type { TimedPhase } from '../load/timings.js';
import type { Route } from './route-policy.js';

/** A loaded, proven place to run the model. */
export interface Slot {
  route: Route;
  /** The manifest of the version this slot runs: after an update, old and new slots differ. */
  manifest: Manifest;
  engine: Engine;
  variant: Variant;
  /** The manifest URL the app asked for: the cache key across versions and channels. */
  cacheUrl?: string;
  /** Why this slot was chosen. */
  reason: string;
  cache: { status: CacheStatus; bytes: number };
  /** How long this slot's load took, step by step (local loads: files, runtime start, session, proof). */
  phases?: TimedPhase[];
  /** Called once the slot's engine is disposed, e.g. to unpin its cached version. */
  release?: () => void;
}

export async function disposeSlot(slot: Slot): Promise<void> {
  try {
    await slot.engine.dispose();
  } finally {
    slot.release?.();
  }
}
