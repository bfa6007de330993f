import type { Manifest, Variant } from '../manifest/types.js';
import type { DeviceProfile } from '../device/types.js';

/** How far below the best variant's held-out accuracy `auto` may go to save bytes. */
export const DEFAULT_MAX_ACCURACY_LOSS = 0.003;
/** Downloads within this share of each other count as the same size; accuracy decides between them. */
const SAME_SIZE = 0.05;

export interface RankedVariant {
  variant: Variant;
  why: string;
  /** Within the accuracy bar (or every variant, on a lean device): the plan may order these by start cost. */
  eligible: boolean;
}

/** Raw bytes: model files are binary and commonly served uncompressed (the reference server does). */
export const transferBytes = (variant: Variant): number => variant.files.reduce((sum, file) => sum + file.bytes, 0);

/** Fewest bytes first, but among downloads of about the same size the more accurate first. */
function bySizeThenAccuracy(variants: Variant[]): Variant[] {
  const bySize = [...variants].sort((a, b) => transferBytes(a) - transferBytes(b));
  const out: Variant[] = [];
  while (bySize.length > 0) {
    const smallest = transferBytes(bySize[0]!);
    const group = bySize.filter((variant) => transferBytes(variant) <= smallest * (1 + SAME_SIZE));
    out.push(...group.sort((a, b) => b.accuracy - a.accuracy || transferBytes(a) - transferBytes(b)));
    bySize.splice(0, group.length);
  }
  return out;
}

/**
 * `auto`: the variants whose held-out accuracy is within `maxLoss` of the best, fewest bytes on the
 * wire first (every user downloads the model; a tenth of a point is one digit in a thousand), sizes
 * within 5% ranked by accuracy; then the rest by accuracy. On saveData or ≤ 1 GB devices every
 * variant is eligible.
 */
export function rankVariants(manifest: Manifest, profile: DeviceProfile, maxLoss = DEFAULT_MAX_ACCURACY_LOSS): RankedVariant[] {
  const best = Math.max(...manifest.variants.map((variant) => variant.accuracy));
  const lean = profile.saveData || (profile.deviceMemoryGb !== undefined && profile.deviceMemoryGb <= 1);
  const eligible = (variant: Variant): boolean => lean || variant.accuracy >= best - maxLoss - 1e-9;
  const sorted = [
    ...bySizeThenAccuracy(manifest.variants.filter(eligible)),
    ...manifest.variants.filter((variant) => !eligible(variant)).sort((a, b) => b.accuracy - a.accuracy),
  ];
  return sorted.map((variant) => {
    const kb = (transferBytes(variant) / 1024).toFixed(0);
    const accuracy = `${(variant.accuracy * 100).toFixed(2)}%`;
    const why = lean
      ? `${profile.saveData ? 'saveData' : 'low memory'}: smallest download first (${kb} KB, ${accuracy})`
      : eligible(variant)
        ? `${accuracy} held-out accuracy (within ${(maxLoss * 100).toFixed(1)} pp of the best), ${kb} KB to download`
        : `${accuracy}: below the accuracy bar, kept as a fallback`;
    return { variant, why, eligible: eligible(variant) };
  });
}
