/**
 * `oodScore(…).score` (scoring.ts and ood-combiner.ts, which the pipeline calibrates with) for one
 * variant's statistics, laid out in arrays once instead of looked up by name for every row: the
 * reference walks feature names through records (`stats[name].center`, `weights[name]`), about sixty
 * keyed loads a row, most of what scoring a batch of 64 cost on the main thread after the worker
 * answered. Same operations in the same order, so the same doubles: test/node/ood-scorer.test.ts
 * compares the two bit for bit.
 */
import { FEATURE_NAMES, type FeatureName, type InputFeatures } from './features.js';
import { OOD_TERMS } from './ood-combiner.js';
import { argmax, energy, type OodStats, type RobustStat } from './scoring.js';

export type OodScorer = (logits: ArrayLike<number>, features: InputFeatures, top: number) => number;

/** Centre, scale and side (1: only above counts, −1: only below, 0: both) per feature, in `names` order. */
interface ZTable {
  centers: Float64Array;
  scales: Float64Array;
  sides: Int8Array;
}

export function compileOodScorer(stats: OodStats): OodScorer {
  const oodFeatures = stats.oodFeatures ?? FEATURE_NAMES;
  const sideOf = (name: FeatureName): number => (stats.oneSided?.[name] === 'low' ? -1 : stats.oneSided?.[name] === 'high' ? 1 : 0);
  const table = (of: Record<FeatureName, RobustStat>, names: readonly FeatureName[]): ZTable => ({
    centers: Float64Array.from(names, (name) => of[name].center),
    scales: Float64Array.from(names, (name) => of[name].scale),
    sides: Int8Array.from(names, sideOf),
  });
  // The features' values in oodFeatures order, filled per row (one call at a time on the main thread).
  const picked = new Float64Array(oodFeatures.length);
  const read = (features: InputFeatures): void => {
    for (let k = 0; k < oodFeatures.length; k++) picked[k] = features[oodFeatures[k]!];
  };
  const global = table(stats.features, oodFeatures);
  const { combiner, classFeatures } = stats;
  if (!combiner || !classFeatures) {
    const { center, scale } = stats.energy;
    return (logits, features) => {
      const energyZ = Math.max(0, (energy(logits) - center) / scale);
      read(features);
      return Math.max(energyZ, rmsZ(picked, global));
    };
  }
  const perClass = classFeatures.map((own) => table(own, oodFeatures));
  // The four signed terms follow OOD_TERMS; each reads its feature whether or not it is in oodFeatures.
  const signedNames: FeatureName[] = ['inkMass', 'meanIntensity', 'bboxAspect', 'strokeWidth'];
  const signed = table(stats.features, signedNames);
  const weights = Float64Array.from(OOD_TERMS, (term) => combiner.weights[term]);
  const terms = new Float64Array(OOD_TERMS.length);
  return (logits, features, top) => {
    read(features);
    const own = perClass[argmax(logits)];
    terms[0] = energy(logits);
    terms[1] = Math.log(1 - top + 1e-6);
    terms[2] = rmsZ(picked, global);
    terms[3] = own ? rmsZ(picked, own) : 0;
    for (let k = 0; k < signedNames.length; k++) terms[4 + k] = z(features[signedNames[k]!], signed, k);
    let score = combiner.bias;
    for (let t = 0; t < terms.length; t++) score += weights[t]! * terms[t]!;
    return score;
  };
}

/** ood-combiner.ts's oneSidedZ. */
function z(value: number, table: ZTable, k: number): number {
  const score = (value - table.centers[k]!) / table.scales[k]!;
  const side = table.sides[k]!;
  return (side === -1 && score > 0) || (side === 1 && score < 0) ? 0 : score;
}

/** ood-combiner.ts's rmsZ over values already picked in the table's order. */
function rmsZ(values: Float64Array, table: ZTable): number {
  let squares = 0;
  for (let k = 0; k < values.length; k++) {
    const score = z(values[k]!, table, k);
    squares += score * score;
  }
  return Math.sqrt(squares / values.length);
}
