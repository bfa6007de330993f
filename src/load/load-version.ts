import type { Manifest } from '../manifest/types.js';
import type { LocalPlan } from '../plan/plan.js';
import type { Slot } from '../route/slot.js';
import type { LoadScope, ModelContext } from './context.js';
import { loadLocal } from './load-local.js';
import type { ResolvedManifest } from './resolved-manifest.js';

/** The plan step is a chunk of its own; `loadModel` requests it while the manifest is fetched. */
export const planModule = (): Promise<typeof import('../plan/plan.js')> => import('../plan/plan.js');

export async function planFor(manifest: Manifest, context: Pick<ModelContext, 'device' | 'settings' | 'warm'>): Promise<LocalPlan> {
  const { settings } = context;
  const { planLocal } = await planModule();
  return planLocal({
    manifest,
    profile: context.device,
    variant: settings.variant,
    backends: settings.backends,
    maxAccuracyLoss: settings.maxAccuracyLoss,
    warm: context.warm,
  });
}

/** Plans, fetches (cache first), loads and proves one version; the version stays pinned against eviction while it runs. */
export async function loadVersion(resolved: ResolvedManifest, context: ModelContext, scope: LoadScope, given?: LocalPlan): Promise<Slot> {
  const plan = given ?? (await planFor(resolved.manifest, context));
  const { noLocalStepError, skippedFallbacks } = await planModule();
  for (const event of skippedFallbacks(plan)) context.events.emit('fallback', event);
  if (plan.steps.length === 0) throw noLocalStepError(resolved.manifest, plan);
  const slot = await loadLocal(plan.steps, { resolved, model: context, scope });
  // Best effort: a lost record only makes the next plan count this runtime's download again.
  const started = plan.steps.find((step) => step.runtime === slot.engine.runtime)?.runtime;
  if (started) void context.warmRuntimes?.record(started).catch(() => undefined);
  const unpin = context.cache?.pin(resolved.manifest.name, resolved.manifest.version, slot.variant.id);
  return { ...slot, cacheUrl: resolved.cacheUrl, release: unpin };
}
