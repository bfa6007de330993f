import type { DeviceProfile } from '../device/types.js';
import { ModelshipError } from '../errors.js';
import type { Manifest, Variant } from '../manifest/types.js';
import type { RuntimeName } from '../runtimes/types.js';
import { DEFAULT_BACKENDS, orderRuntimes } from './runtime-order.js';
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
}

export interface PlanRequest {
  manifest: Manifest;
  profile: DeviceProfile;
  /** A variant id, or `auto`. */
  variant?: string;
  /** The app's runtime preference, best first. */
  backends?: RuntimeName[];
  maxAccuracyLoss?: number;
}

/** Every (variant, runtime) pair this device can try, best first, each with the reason it is where it is. */
export function planLocal(request: PlanRequest): LocalPlan {
  const { manifest, profile } = request;
  const requested = request.variant ?? 'auto';
  const ranked =
    requested === 'auto'
      ? rankVariants(manifest, profile, request.maxAccuracyLoss)
      : manifest.variants.filter((variant) => variant.id === requested).map((variant) => ({ variant, why: `variant ${variant.id} requested` }));
  if (ranked.length === 0) {
    throw new ModelshipError(
      'INPUT_INVALID',
      `options.variant "${requested}" is not in the manifest (${manifest.variants.map((v) => v.id).join(', ')})`,
      { details: { field: 'options.variant' } },
    );
  }
  const { usable, notes } = orderRuntimes(request.backends ?? DEFAULT_BACKENDS, profile);
  const steps: PlanStep[] = [];
  for (const { variant, why } of ranked) {
    for (const runtime of usable) {
      if (!variant.runtimes.includes(runtime)) continue;
      steps.push({ route: 'local', runtime, variant, reason: `${variant.id} on ${runtime}: ${why}` });
    }
  }
  return { steps, notes };
}

export function noLocalStepError(manifest: Manifest, plan: LocalPlan): ModelshipError {
  return new ModelshipError('BACKEND_UNAVAILABLE', `No local runtime on this device can run ${manifest.name}: ${plan.notes.join('; ') || 'no variant matches the allowed backends'}`, {
    details: { notes: plan.notes, variants: manifest.variants.map((v) => ({ id: v.id, runtimes: v.runtimes })) },
  });
}
