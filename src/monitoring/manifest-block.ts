import { ModelshipError } from '../errors.js';
import type { DriftThresholds } from './drift.js';
import { FEATURE_NAMES, type FeatureName } from './features.js';
import type { ReferenceHistogram } from './histogram.js';
import type { OodCombiner } from './ood-combiner.js';
import type { AbstainThresholds, RobustStat } from './scoring.js';

/** What the pipeline fitted for one variant (its logits differ, so its temperature and thresholds do). */
export interface VariantCalibration {
  temperature: number;
  /** Energy of the training digits through this variant. */
  energy: RobustStat;
  thresholds: AbstainThresholds;
  /** The fitted OOD score (needs the block's `classFeatures`); absent: the larger of the energy and feature z-scores. */
  combiner?: OodCombiner;
}

/** The manifest's `monitoring` block (schema: models/manifest.schema.json#/$defs/monitoring). */
export interface MonitoringBlock extends VariantCalibration {
  /** The variant the top-level numbers were fitted on. */
  variant: string;
  method: string;
  features: Record<FeatureName, RobustStat>;
  /** The features in the OOD score; the rest are drift-only (absent: all). */
  oodFeatures?: FeatureName[];
  /** Features whose deviation counts towards the OOD score on one side only. */
  oneSided?: Partial<Record<FeatureName, 'low' | 'high'>>;
  /** Per label index, the feature statistics of that class's training digits (for a combiner's `classZ`). */
  classFeatures?: Record<FeatureName, RobustStat>[];
  /** Per variant id; a variant without an entry uses the top level. */
  variants?: Record<string, VariantCalibration>;
  /** Reference histograms: the input features, `predictedClass` and `confidence`. */
  reference: Record<FeatureName | 'predictedClass' | 'confidence', ReferenceHistogram>;
  drift: { window: number; thresholds: Record<string, DriftThresholds> };
}

export const DRIFT_QUANTITIES = [...FEATURE_NAMES, 'predictedClass', 'confidence'] as const;

/** Cross-field rules the schema cannot say; run with the manifest's other semantic checks. */
export function checkMonitoringBlock(block: MonitoringBlock, labels: number, variantIds: string[]): void {
  const invalid = (field: string, message: string): ModelshipError =>
    new ModelshipError('MANIFEST_INVALID', `Manifest field monitoring.${field} ${message}`, { details: { field: `monitoring.${field}` } });
  if (!variantIds.includes(block.variant)) throw invalid('variant', `names no variant of this manifest (${variantIds.join(', ')})`);
  for (const id of Object.keys(block.variants ?? {})) {
    if (!variantIds.includes(id)) throw invalid(`variants.${id}`, `names no variant of this manifest (${variantIds.join(', ')})`);
  }
  for (const name of DRIFT_QUANTITIES) {
    const { edges, shares } = block.reference[name];
    const field = `reference.${name}`;
    if (name === 'predictedClass') {
      if (edges) throw invalid(`${field}.edges`, 'must be absent: the predicted class is categorical');
      if (shares.length !== labels) throw invalid(`${field}.shares`, `has ${shares.length} entries for ${labels} labels`);
    } else {
      if (!edges) throw invalid(`${field}.edges`, 'is required for a numeric quantity');
      if (shares.length !== edges.length + 1)
        throw invalid(`${field}.shares`, `has ${shares.length} entries for ${edges.length} edges (expected ${edges.length + 1})`);
      if (edges.some((edge, i) => i > 0 && edge <= edges[i - 1]!)) throw invalid(`${field}.edges`, 'must be strictly ascending');
    }
    const sum = shares.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-3) throw invalid(`${field}.shares`, `sum to ${sum.toFixed(4)}, not 1`);
  }
  const combined = [block.combiner, ...Object.values(block.variants ?? {}).map((v) => v.combiner)].some(Boolean);
  if (combined && block.classFeatures?.length !== labels) {
    throw invalid('classFeatures', `needs one entry per label (${labels}) when a combiner is given; it has ${block.classFeatures?.length ?? 'none'}`);
  }
  // Checked here rather than with the schema's uniqueItems, whose helper the standalone validator cannot inline.
  if (block.oodFeatures && new Set(block.oodFeatures).size !== block.oodFeatures.length) throw invalid('oodFeatures', 'repeats a feature');
  for (const name of Object.keys(block.drift.thresholds)) {
    if (!(DRIFT_QUANTITIES as readonly string[]).includes(name))
      throw invalid(`drift.thresholds.${name}`, `is not a tracked quantity (${DRIFT_QUANTITIES.join(', ')})`);
  }
}
