import type { DeviceProfile } from '../device/types.js';
import { ModelshipError } from '../errors.js';
import type { Manifest, Variant } from '../manifest/types.js';
import type { RuntimeName } from '../runtimes/types.js';
import { unmetRequirement } from './requirements.js';
import { DEFAULT_BACKENDS, orderRuntimes } from './runtime-order.js';
import { orderByStartCost } from './start-cost.js';
import { rankVariants } from './variant-order.js';

export interface PlanStep {
  route: 'local';
  runtime: RuntimeName;
  variant: Variant;
  reason: string;
}

export interface LocalPlan {
  steps: PlanStep[];
  /** Runtimes dropped or demoted for this device, with why. */
  notes: string[];
  /** (variant, runtime) pairs whose manifest `requires` this runtime does not meet: never downloaded. */
  skipped: { runtime: RuntimeName; variant: Variant; reason: string }[];
}

export interface PlanRequest {
  manifest: Manifest;
  profile: DeviceProfile;
  /** A variant id, or `auto`. */
  variant?: string;
  /** The app's runtime preference, best first. */
  backends?: RuntimeName[];
  maxAccuracyLoss?: number;
  /** `runtime@version` keys of runtimes that started here before (src/plan/warm-runtimes.ts): no download counted. */
  warm?: ReadonlySet<string>;
}

/** Every (variant, runtime) pair this device can try, best first, each with the reason it is where it is. */
export function planLocal(request: PlanRequest): LocalPlan {
  const { manifest, profile } = request;
  const requested = request.variant ?? 'auto';
  const ranked =
    requested === 'auto'
      ? rankVariants(manifest, profile, request.maxAccuracyLoss)
      : manifest.variants.filter((variant) => variant.id === requested).map((variant) => ({ variant, why: `variant ${variant.id} requested`, eligible: true }));
  if (ranked.length === 0) {
    throw new ModelshipError(
      'INPUT_INVALID',
      `options.variant "${requested}" is not in the manifest (${manifest.variants.map((v) => v.id).join(', ')})`,
      { details: { field: 'options.variant' } },
    );
  }
  const { usable, notes, demoted } = orderRuntimes(request.backends ?? DEFAULT_BACKENDS, profile);
  const skipped: LocalPlan['skipped'] = [];
  const candidates: { variant: Variant; runtime: RuntimeName; why: string; eligible: boolean }[] = [];
  for (const { variant, why, eligible } of ranked) {
    for (const runtime of usable) {
      if (!variant.runtimes.includes(runtime)) continue;
      const unmet = unmetRequirement(variant, runtime, profile);
      if (unmet) skipped.push({ runtime, variant, reason: `${runtime}/${variant.id}: skipped before download, ${unmet}` });
      else candidates.push({ variant, runtime, why, eligible: requested !== 'auto' || eligible });
    }
  }
  notes.push(...skipped.map((skip) => skip.reason));
  const skippedNote = skipped.length > 0 ? `; ${skipped.map((skip) => skip.reason).join('; ')}` : '';
  const step = (variant: Variant, runtime: RuntimeName, why: string): PlanStep => ({ route: 'local', runtime, variant, reason: `${variant.id} on ${runtime}: ${why}${skippedNote}` });
  // The app's own runtime order is authoritative; otherwise what a start downloads decides among the variants within the accuracy bar.
  if (request.backends !== undefined) {
    // Runtime first, in the app's order, then the variants in rank order on each; variants below the
    // accuracy bar (under `auto`) only after every runtime's eligible ones.
    const runtimeRank = (c: (typeof candidates)[number]): number => usable.indexOf(c.runtime);
    const ordered = [...candidates.filter((c) => c.eligible).sort((a, b) => runtimeRank(a) - runtimeRank(b)), ...candidates.filter((c) => !c.eligible)];
    return { steps: ordered.map((c) => step(c.variant, c.runtime, c.why)), notes, skipped };
  }
  const byCost = orderByStartCost(
    candidates.filter((c) => c.eligible),
    request.warm ?? new Set(),
    demoted,
  ).map(({ candidate, why }) => step(candidate.variant, candidate.runtime, `${candidate.why}; ${why}`));
  const rest = candidates.filter((c) => !c.eligible).map((c) => step(c.variant, c.runtime, c.why));
  return { steps: [...byCost, ...rest], notes, skipped };
}

/** The `fallback` events for the pairs the plan skipped, so an app sees each skip as it sees a failed step. */
export function skippedFallbacks(plan: LocalPlan): { from: string; to: string; reason: string }[] {
  const next = plan.steps[0];
  const to = next ? `local/${next.runtime}/${next.variant.id}` : 'none';
  return plan.skipped.map((skip) => ({ from: `local/${skip.runtime}/${skip.variant.id}`, to, reason: skip.reason }));
}

export function noLocalStepError(manifest: Manifest, plan: LocalPlan): ModelshipError {
  return new ModelshipError('BACKEND_UNAVAILABLE', `No local runtime on this device can run ${manifest.name}: ${plan.notes.join('; ') || 'no variant matches the allowed backends'}`, {
    details: { notes: plan.notes, variants: manifest.variants.map((v) => ({ id: v.id, runtimes: v.runtimes })) },
  });
}
