/**
 * The fitted OOD score: a logistic regression over a fixed list of cheap terms (the model's energy
 * and confidence, the input features' robust z-scores against all training digits and against the
 * training digits of the predicted class). The pipeline (models/pipeline/calibrate-fit.ts) fits the
 * weights on calibration digits against calibration non-digits; the device only evaluates the sum.
 *
 * Why a combination: the energy alone ranks non-digits well (AUROC 0.98 on the test split) but the
 * ones it misses (a symbol the model reads as a confident 7, a line read as a 1) are often far from
 * that class's own digits in shape, which the class-conditional z-score sees. On the shipped model
 * it abstains on 88% of test non-digits where the larger of the two z-scores abstained on 86%, at
 * the same budget on digits, and on fewer printed digits (models/mnist/MODEL_CARD.md).
 */
import type { FeatureName, InputFeatures } from './features.js';
import type { RobustStat } from './scoring.js';

/** The terms, in a fixed order; a manifest's `combiner.weights` has one weight per name. */
export const OOD_TERMS = ['energy', 'logUnsure', 'featureZ', 'classZ', 'inkMassZ', 'meanIntensityZ', 'bboxAspectZ', 'strokeWidthZ'] as const;
export type OodTerm = (typeof OOD_TERMS)[number];

/** `score = bias + Σ weights[term] · term`: the log-odds that the picture is not a digit. */
export interface OodCombiner {
  bias: number;
  weights: Record<OodTerm, number>;
}

/** Feature statistics per class (index = label index), of the training digits of that class. */
export type ClassFeatureStats = readonly Record<FeatureName, RobustStat>[];

export interface ZScoreRules {
  oodFeatures: readonly FeatureName[];
  oneSided?: Partial<Record<FeatureName, 'low' | 'high'>>;
}

/** Root mean square of the robust z-scores of `rules.oodFeatures`, one-sided ones counted on that side only. */
export function rmsZ(features: InputFeatures, stats: Record<FeatureName, RobustStat>, rules: ZScoreRules): number {
  let squares = 0;
  for (const name of rules.oodFeatures) {
    const z = oneSidedZ(features, stats, name, rules);
    squares += z * z;
  }
  return Math.sqrt(squares / rules.oodFeatures.length);
}

/** The robust z-score of one feature; 0 on the side a one-sided feature ignores. */
function oneSidedZ(features: InputFeatures, stats: Record<FeatureName, RobustStat>, name: FeatureName, rules: ZScoreRules): number {
  const z = (features[name] - stats[name].center) / stats[name].scale;
  const side = rules.oneSided?.[name];
  return (side === 'low' && z > 0) || (side === 'high' && z < 0) ? 0 : z;
}

export interface TermInputs {
  /** Free energy at temperature 1. */
  energy: number;
  /** The calibrated top-1 probability. */
  top: number;
  /** Index of the predicted class (argmax of the logits). */
  predicted: number;
  features: InputFeatures;
}

export function oodTerms(inputs: TermInputs, global: Record<FeatureName, RobustStat>, perClass: ClassFeatureStats, rules: ZScoreRules): Record<OodTerm, number> {
  const { features } = inputs;
  const own = perClass[inputs.predicted];
  // The signed terms follow the one-sided rules too: a solid canvas stroke (high intensity) must not
  // count as unusual. Fitted without that rule, the combiner learns "solid = not a digit" from
  // rendered non-digits and abstains on printed digits half as often again (models/mnist/MODEL_CARD.md).
  const signed = (name: FeatureName): number => oneSidedZ(features, global, name, rules);
  return {
    energy: inputs.energy,
    // log(1 − p) grows without bound as p → 1 where p itself saturates; the floor keeps p = 1 finite.
    logUnsure: Math.log(1 - inputs.top + 1e-6),
    featureZ: rmsZ(features, global, rules),
    classZ: own ? rmsZ(features, own, rules) : 0,
    inkMassZ: signed('inkMass'),
    meanIntensityZ: signed('meanIntensity'),
    bboxAspectZ: signed('bboxAspect'),
    strokeWidthZ: signed('strokeWidth'),
  };
}

export function combine(terms: Record<OodTerm, number>, combiner: OodCombiner): number {
  let score = combiner.bias;
  for (const name of OOD_TERMS) score += combiner.weights[name] * terms[name];
  return score;
}
