import type { Engine } from '../engine.js';
import type { Manifest, Variant } from '../manifest/types.js';
import type { CacheStatus } from '../types.js';
import type { Route } from './route-policy.js';

/** A loaded, proven place to run the model. */
export interface Slot {
  route: Route;
  /** The manifest of the version this slot runs: after an update, old and new slots differ. */
  manifest: Manifest;
  engine: Engine;
  variant: Variant;
  runtimeVersion: string;
  /** Why this slot was chosen. */
  reason: string;
  cache: { status: CacheStatus; bytes: number };
}
