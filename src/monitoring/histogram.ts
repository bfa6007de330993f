/**
 * Binned distributions and the two drift statistics the monitoring tools of record use:
 * Jensen–Shannon distance (Evidently, NannyML: 0.1) and the population stability index
 * (0.1 watch, 0.25 act). Shared by the library and the calibration script.
 */

/**
 * A reference distribution: `edges` are the inner cut points (k − 1 of them for k bins; a value
 * below edges[0] is bin 0, at or above the last edge the last bin), `shares` sum to 1.
 * A categorical one (the predicted class) has no edges and one share per category.
 */
export interface ReferenceHistogram {
  edges?: number[];
  shares: number[];
}

export function binOf(histogram: ReferenceHistogram, value: number): number {
  const { edges } = histogram;
  if (!edges) return Math.min(histogram.shares.length - 1, Math.max(0, Math.round(value)));
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (value >= edges[mid]!) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Inner cut points at the values' quantiles: equal-mass bins on the reference, which keeps PSI stable. */
export function quantileEdges(values: number[], bins: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((b / bins) * sorted.length))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

export function sharesOf(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Array.from(counts, (count) => (total ? count / total : 0));
}

/** Jensen–Shannon distance (square root of the divergence, log base 2): 0 same, 1 disjoint. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = q[i]!;
    const m = (a + b) / 2;
    if (a > 0) divergence += 0.5 * a * Math.log2(a / m);
    if (b > 0) divergence += 0.5 * b * Math.log2(b / m);
  }
  return Math.sqrt(Math.max(0, divergence));
}

/** Empty bins are floored so one empty bin does not make PSI infinite (the usual 1e-4 convention). */
const PSI_FLOOR = 1e-4;

/** Population stability index Σ (p − q)·ln(p / q), with p the window and q the reference. */
export function populationStabilityIndex(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let psi = 0;
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(PSI_FLOOR, p[i]!);
    const b = Math.max(PSI_FLOOR, q[i]!);
    psi += (a - b) * Math.log(a / b);
  }
  return psi;
}
