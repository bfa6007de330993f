import { ModelshipError } from '../errors.js';
import type { Manifest, Variant } from '../manifest/types.js';
import type { RuntimeName } from '../runtimes/types.js';
import { isKnownRuntime } from '../runtimes/registry.js';

export interface PlanStep {
  route: 'local';
  runtime: RuntimeName;
  variant: Variant;
  reason: string;
}

/** Variants in the order `auto` tries them: full precision first, it is the reference every other variant is measured against. */
const AUTO_PRECISION_ORDER = ['fp32', 'int8', 'pruned-int8', 'pruned-fp32', 'uint8'];

export function planLocal(manifest: Manifest, requestedVariant = 'auto'): PlanStep[] {
  const candidates =
    requestedVariant === 'auto'
      ? [...manifest.variants].sort((a, b) => rank(a) - rank(b))
      : manifest.variants.filter((variant) => variant.id === requestedVariant);
  if (candidates.length === 0) {
    throw new ModelshipError('INPUT_INVALID', `options.variant "${requestedVariant}" is not in the manifest (${manifest.variants.map((v) => v.id).join(', ')})`, {
      details: { field: 'options.variant' },
    });
  }
  const steps: PlanStep[] = [];
  for (const variant of candidates) {
    for (const runtime of variant.runtimes) {
      if (!isKnownRuntime(runtime)) continue;
      const why = requestedVariant === 'auto' ? `auto: ${variant.precision} is the most accurate variant ${runtime} can run` : `variant ${variant.id} requested`;
      steps.push({ route: 'local', runtime, variant, reason: why });
    }
  }
  if (steps.length === 0) {
    throw new ModelshipError('BACKEND_UNAVAILABLE', `No runtime built into this modelship can run ${requestedVariant === 'auto' ? 'any variant' : `variant ${requestedVariant}`} of ${manifest.name}`, {
      details: { variants: candidates.map((variant) => ({ id: variant.id, runtimes: variant.runtimes })) },
    });
  }
  return steps;
}

function rank(variant: Variant): number {
  const index = AUTO_PRECISION_ORDER.indexOf(variant.precision);
  return index === -1 ? AUTO_PRECISION_ORDER.length : index;
}
