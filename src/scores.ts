import type { TopEntry } from './model-types.js';

export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

export function topK(scores: number[], labels: string[], k: number): TopEntry[] {
  return scores
    .map((score, index) => ({ label: labels[index] ?? String(index), index, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
