// Fitting helpers for calibrate.ts: temperature by negative log-likelihood and thresholds by
// search under a budget on digits. Only the pipeline uses them; the device applies the results.
import { OOD_TERMS, type OodCombiner, type OodTerm } from '../../src/monitoring/ood-combiner.js';
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

/**
 * Logistic regression of "is a non-digit" on the OOD terms, fitted on calibration digits (0) against
 * calibration non-digits (1), each side weighted to half (the sets differ in size). The terms are
 * standardised for the fit (plain gradient descent, a fixed number of steps and a small L2 penalty:
 * deterministic) and the weights folded back, so the device evaluates bias + Σ w · term on raw terms.
 */
export function fitCombiner(digits: Record<OodTerm, number>[], nonDigits: Record<OodTerm, number>[], steps = 3000, rate = 0.1, l2 = 1e-3): OodCombiner {
  const rows = [...digits, ...nonDigits].map((t) => OOD_TERMS.map((name) => t[name]));
  const labels = rows.map((_, i) => (i < digits.length ? 0 : 1));
  const d = OOD_TERMS.length;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const row of rows) row.forEach((v, j) => (mean[j]! += v / rows.length));
  for (const row of rows) row.forEach((v, j) => (sd[j]! += (v - mean[j]!) ** 2 / rows.length));
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const z = rows.map((row) => row.map((v, j) => (v - mean[j]!) / sd[j]!));
  const share = [0.5 / digits.length, 0.5 / nonDigits.length];
  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let step = 0; step < steps; step++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    z.forEach((row, i) => {
      let s = b;
      for (let j = 0; j < d; j++) s += row[j]! * w[j]!;
      const error = (1 / (1 + Math.exp(-s)) - labels[i]!) * share[labels[i]!]!;
      gb += error;
      for (let j = 0; j < d; j++) gw[j]! += error * row[j]!;
    });
    for (let j = 0; j < d; j++) w[j]! -= rate * (gw[j]! + l2 * w[j]!);
    b -= rate * gb;
  }
  const weights = Object.fromEntries(OOD_TERMS.map((name, j) => [name, w[j]! / sd[j]!])) as Record<OodTerm, number>;
  const bias = b - OOD_TERMS.reduce((sum, _, j) => sum + (w[j]! * mean[j]!) / sd[j]!, 0);
  return { bias, weights };
}
