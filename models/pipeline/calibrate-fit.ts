// Fitting helpers for calibrate.ts: temperature by negative log-likelihood and thresholds by
// search under a budget on digits. Only the pipeline uses them; the device applies the results.
import { abstainReason, temperatureSoftmax, type AbstainThresholds } from '../../src/monitoring/scoring.js';

export interface Scored {
  ood: number;
  top: number;
  ink: number;
  predicted: number;
}

function nll(logits: Float32Array[], labels: number[], t: number): number {
  let sum = 0;
  logits.forEach((l, i) => (sum -= Math.log(Math.max(1e-12, temperatureSoftmax(l, t)[labels[i]!]!))));
  return sum / logits.length;
}

/** Golden-section search of the NLL over T in [0.05, 10] (it is unimodal in T). */
export function fitTemperature(logits: Float32Array[], labels: number[]): number {
  let low = 0.05;
  let high = 10;
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let step = 0; step < 60; step++) {
    const a = high - ratio * (high - low);
    const b = low + ratio * (high - low);
    if (nll(logits, labels, a) < nll(logits, labels, b)) high = b;
    else low = a;
  }
  return (low + high) / 2;
}

/**
 * The OOD threshold and the confidence threshold that abstain on the most calibration
 * non-digits while abstaining on at most `budget` of the calibration digits.
 */
export function pickThresholds(digits: Scored[], nonDigits: Scored[], emptyInk: number, budget: number): AbstainThresholds {
  const oodCandidates = [...new Set(digits.map((s) => s.ood))].sort((a, b) => b - a).slice(0, Math.ceil(digits.length * budget) + 2);
  const confCandidates = [0, ...[...new Set(digits.map((s) => s.top))].sort((a, b) => a - b).slice(0, Math.ceil(digits.length * budget) + 2)];
  let best: { thresholds: AbstainThresholds; caught: number } | undefined;
  for (const ood of oodCandidates) {
    for (const lowConfidence of confCandidates) {
      const thresholds = { emptyInk, ood, lowConfidence };
      const lost = digits.filter((s) => abstainReason(s.ink, s.ood, s.top, thresholds) !== undefined).length / digits.length;
      if (lost > budget) continue;
      const caught = nonDigits.filter((s) => abstainReason(s.ink, s.ood, s.top, thresholds) !== undefined).length;
      if (!best || caught > best.caught) best = { thresholds, caught };
    }
  }
  if (!best) throw new Error('No threshold keeps digits within the budget');
  return best.thresholds;
}
