import type { Manifest } from '../manifest/types.js';
import type { MonitoringBlock, VariantCalibration } from './manifest-block.js';

/** How one variant of one manifest scores: fitted numbers, or the reason there are none. */
export type Calibration = { calibrated: true; reason: string; block: MonitoringBlock; variant: VariantCalibration } | { calibrated: false; reason: string };

export function calibrationFor(manifest: Manifest, variantId: string): Calibration {
  const block = manifest.monitoring;
  if (!block) return { calibrated: false, reason: `${manifest.name}@${manifest.version} has no monitoring block: plain softmax, no abstain` };
  if (manifest.outputs[0]?.kind !== 'logits') {
    return {
      calibrated: false,
      reason: `outputs[0] are ${manifest.outputs[0]?.kind}, not logits: temperature and energy need logits; plain scores, no abstain`,
    };
  }
  const own = block.variant === variantId ? block : block.variants?.[variantId];
  return {
    calibrated: true,
    reason: own ? `calibrated for variant ${variantId}` : `variant ${variantId} has no calibration of its own; using ${block.variant}'s`,
    block,
    variant: own ?? block,
  };
}
