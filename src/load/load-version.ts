import { noLocalStepError, planLocal, type LocalPlan } from '../plan/plan.js';
import type { Slot } from '../route/slot.js';
import type { LoadScope, ModelContext } from './context.js';
import { loadLocal } from './load-local.js';
import type { ResolvedManifest } from './resolved-manifest.js';

export function planFor(resolved: ResolvedManifest, context: ModelContext): LocalPlan {
  const { settings } = context;
  return planLocal({
    manifest: resolved.manifest,
    profile: context.device,
    variant: settings.variant,
    backends: settings.backends,
    maxAccuracyLoss: settings.maxAccuracyLoss,
  });
}

/** Plans, fetches (cache first), loads and proves one version; the version stays pinned against eviction while it runs. */
export async function loadVersion(resolved: ResolvedManifest, context: ModelContext, scope: LoadScope, plan = planFor(resolved, context)): Promise<Slot> {
  if (plan.steps.length === 0) throw noLocalStepError(resolved.manifest, plan);
  const slot = await loadLocal(plan.steps, { resolved, model: context, scope });
  const unpin = context.cache?.pin(resolved.manifest.name, resolved.manifest.version, slot.variant.id);
  return { ...slot, cacheUrl: resolved.cacheUrl, release: unpin };
}
