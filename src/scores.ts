import type { TopEntry } from './model-types.js';

export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

/**
 * The k best scores, best first; ties keep the lower index first (as a stable sort would). A selection
 * of k passes, not a sort of objects for every class: it runs once per row of every prediction.
 */
export function topK(scores: number[], labels: string[], k: number): TopEntry[] {
  const top: TopEntry[] = [];
  const count = Math.min(k, scores.length);
  while (top.length < count) {
    let best = -1;
    for (let index = 0; index < scores.length; index++) {
      if (taken(top, index)) continue;
      if (best < 0 || scores[index]! > scores[best]!) best = index;
    }
    top.push({ label: labels[best] ?? String(best), index: best, score: scores[best]! });
  }
  return top;
}

function taken(top: TopEntry[], index: number): boolean {
  for (const entry of top) if (entry.index === index) return true;
  return false;
}
