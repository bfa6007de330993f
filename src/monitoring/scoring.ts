/**
 * Abstain and calibration arithmetic, shared verbatim by the library and the calibration script
 * (models/pipeline/calibrate.ts imports this file): the threshold the pipeline picks is applied to
 * the same score here.
 */
import { FEATURE_NAMES, type InputFeatures } from './features.js';
import { combine, oodTerms, rmsZ, type ClassFeatureStats, type OodCombiner } from './ood-combiner.js';

/** Softmax of logits / temperature; temperature 1 is the plain softmax. */
export function temperatureSoftmax(logits: ArrayLike<number>, temperature = 1): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  // Plain loops into one array: this runs for every row of every prediction.
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const value = Math.exp(logits[i]! / temperature - max);
    out.push(value);
    sum += value;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/**
 * Free energy −T·log Σ exp(logit/T) (Liu et al. 2020): low for inputs like the training data,
 * higher for unfamiliar ones. Unlike the top softmax probability it keeps the logits' magnitude.
 */
export function energy(logits: ArrayLike<number>, temperature = 1): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! / temperature - max);
  return -temperature * (max + Math.log(sum));
}

/** A feature's centre and spread on the training digits (median and 1.4826 · MAD). */
export interface RobustStat {
  center: number;
  scale: number;
}

export interface OodStats {
  /** Energy of the training digits (at temperature 1). */
  energy: RobustStat;
  features: Record<keyof InputFeatures, RobustStat>;
  /** The features that count towards the OOD score (default all); the others are tracked for drift only. */
  oodFeatures?: readonly (keyof InputFeatures)[];
  /** Features whose deviation counts on one side only, e.g. `{ meanIntensity: 'low' }`. */
  oneSided?: Partial<Record<keyof InputFeatures, 'low' | 'high'>>;
  /** With `classFeatures`, the score is this fitted combination (ood-combiner.ts); without, the larger of the two z-scores. */
  combiner?: OodCombiner;
  classFeatures?: ClassFeatureStats;
}

export interface OodParts {
  /** How far the energy is above the digits' (in robust standard deviations; below the centre counts 0). */
  energyZ: number;
  /** Root mean square of the features' robust z-scores. */
  featureZ: number;
  /** The combiner's log-odds when the manifest has one, else the larger of the two. */
  score: number;
}

/** `top` is the calibrated top-1 probability (the combiner weighs it; the plain rule does not). */
export function oodScore(logits: ArrayLike<number>, features: InputFeatures, stats: OodStats, top: number): OodParts {
  const free = energy(logits);
  const energyZ = Math.max(0, (free - stats.energy.center) / stats.energy.scale);
  const rules = { oodFeatures: stats.oodFeatures ?? FEATURE_NAMES, oneSided: stats.oneSided };
  if (!stats.combiner || !stats.classFeatures) {
    const featureZ = rmsZ(features, stats.features, rules);
    return { energyZ, featureZ, score: Math.max(energyZ, featureZ) };
  }
  const terms = oodTerms({ energy: free, top, predicted: argmax(logits), features }, stats.features, stats.classFeatures, rules);
  return { energyZ, featureZ: terms.featureZ, score: combine(terms, stats.combiner) };
}

/** Index of the largest value, the first of equals. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export interface AbstainThresholds {
  /** Ink mass at or below this is an empty picture. */
  emptyInk: number;
  /** An OOD score above this is out of distribution. */
  ood: number;
  /** A calibrated top-1 probability below this is too unsure to answer. */
  lowConfidence: number;
}

export type AbstainReason = 'empty' | 'out-of-distribution' | 'low-confidence';

/** Empty first (the model's answer means nothing), then unfamiliar, then unsure. */
export function abstainReason(inkMass: number, ood: number, topScore: number, thresholds: AbstainThresholds): AbstainReason | undefined {
  if (inkMass <= thresholds.emptyInk) return 'empty';
  if (ood > thresholds.ood) return 'out-of-distribution';
  if (topScore < thresholds.lowConfidence) return 'low-confidence';
  return undefined;
}

export function robustStat(values: number[]): RobustStat {
  const sorted = [...values].sort((a, b) => a - b);
  const center = quantileSorted(sorted, 0.5);
  const deviations = sorted.map((v) => Math.abs(v - center)).sort((a, b) => a - b);
  // A feature that barely varies on digits (e.g. centroid offset after centring) still needs a non-zero scale.
  const scale = Math.max(1.4826 * quantileSorted(deviations, 0.5), 1e-3 * (Math.abs(center) + 1));
  return { center, scale };
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Expected calibration error with equal-width confidence bins (Guo et al. 2017). */
export function expectedCalibrationError(confidences: number[], correct: boolean[], bins = 15): number {
  const total = confidences.length;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    let count = 0;
    let conf = 0;
    let hits = 0;
    confidences.forEach((c, i) => {
      const bin = Math.min(bins - 1, Math.floor(c * bins));
      if (bin !== b) return;
      count++;
      conf += c;
      if (correct[i]) hits++;
    });
    if (count) ece += (count / total) * Math.abs(hits / count - conf / count);
  }
  return ece;
}
