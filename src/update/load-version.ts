import type { DeviceProfile } from '../device/types.js';
import type { Emitter } from '../emitter.js';
import { noLocalStepError, planLocal, skippedFallbacks, type LocalPlan } from '../plan/plan.js';
import type { WarmRuntimes } from '../plan/warm-runtimes.js';
import { isKnownRuntime } from '../runtimes/registry.js';
import { loadLocal } from '../route/load-local.js';
import type { Slot } from '../route/slot.js';
import type { ModelCache } from '../store/model-cache.js';
import type { LoadOptions, ModelEvents } from '../types.js';
import type { ResolvedManifest } from './resolve-manifest.js';

export interface VersionLoaderContext {
  device: DeviceProfile;
  cache: ModelCache | undefined;
  options: LoadOptions;
  events: Emitter<ModelEvents>;
  /** Runtimes that started here before (read once per load), and where a successful start is recorded. */
  warm?: ReadonlySet<string>;
  warmRuntimes?: WarmRuntimes;
}

export function planFor(resolved: ResolvedManifest, context: VersionLoaderContext): LocalPlan {
  const { options } = context;
  return planLocal({
    manifest: resolved.manifest,
    profile: context.device,
    variant: options.variant,
    backends: options.backends,
    maxAccuracyLoss: options.maxAccuracyLoss,
    warm: context.warm,
  });
}

/** Plans, fetches (cache first), loads and proves one version; the version stays pinned against eviction while it runs. */
export async function loadVersion(resolved: ResolvedManifest, context: VersionLoaderContext, plan = planFor(resolved, context)): Promise<Slot> {
  for (const event of skippedFallbacks(plan)) context.events.emit('fallback', event);
  if (plan.steps.length === 0) throw noLocalStepError(resolved.manifest, plan);
  const slot = await loadLocal(plan.steps, {
    manifest: resolved.manifest,
    manifestUrl: resolved.filesUrl,
    cacheUrl: resolved.cacheUrl,
    manifestEtag: resolved.etag,
    cache: context.cache,
    options: context.options,
    events: context.events,
  });
  // Best effort: a lost record only makes the next plan count this runtime's download again.
  const started = slot.engine.runtime;
  if (isKnownRuntime(started)) void context.warmRuntimes?.record(started).catch(() => undefined);
  const unpin = context.cache?.pin(resolved.manifest.name, resolved.manifest.version, slot.variant.id);
  return { ...slot, cacheUrl: resolved.cacheUrl, release: unpin };
}
