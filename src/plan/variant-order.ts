import type { Manifest, Variant } from '../manifest/types.js';
import type { DeviceProfile } from '../device/types.js';

/** How far below the best variant's held-out accuracy `auto` may go to save bytes. */
export const DEFAULT_MAX_ACCURACY_LOSS = 0.003;

export interface RankedVariant {
  variant: Variant;
  why: string;
}

export const transferBytes = (variant: Variant): number =>
  variant.files.reduce((sum, file) => sum + (file.gzipBytes ?? file.bytes), 0);

/**
 * `auto`: the variants whose held-out accuracy is within `maxLoss` of the best, fewest bytes on the
 * wire first (a model is downloaded by every user; a tenth of a point is one digit in a thousand),
 * then the rest by accuracy. On saveData or ≤ 1 GB devices every variant is ordered by bytes.
 */
export function rankVariants(manifest: Manifest, profile: DeviceProfile, maxLoss = DEFAULT_MAX_ACCURACY_LOSS): RankedVariant[] {
  const best = Math.max(...manifest.variants.map((variant) => variant.accuracy));
  const lean = profile.saveData || (profile.deviceMemoryGb !== undefined && profile.deviceMemoryGb <= 1);
  const eligible = (variant: Variant): boolean => lean || variant.accuracy >= best - maxLoss - 1e-9;
  const sorted = [...manifest.variants].sort((a, b) => {
    const tier = Number(eligible(b)) - Number(eligible(a));
    if (tier !== 0) return tier;
    return eligible(a) ? transferBytes(a) - transferBytes(b) : b.accuracy - a.accuracy;
  });
  return sorted.map((variant) => {
    const kb = (transferBytes(variant) / 1024).toFixed(0);
    const accuracy = `${(variant.accuracy * 100).toFixed(2)}%`;
    const why = lean
      ? `${profile.saveData ? 'saveData' : 'low memory'}: smallest download first (${kb} KB, ${accuracy})`
      : eligible(variant)
        ? `${accuracy} is within ${(maxLoss * 100).toFixed(1)} pp of the best held-out accuracy and downloads ${kb} KB`
        : `${accuracy}: below the accuracy bar, kept as a fallback`;
    return { variant, why };
  });
}
