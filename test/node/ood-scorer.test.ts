import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Manifest } from '../../src/manifest/types.js';
import { inputFeatures, type InputFeatures } from '../../src/monitoring/features.js';
import type { MonitoringBlock } from '../../src/monitoring/manifest-block.js';
import { compileOodScorer } from '../../src/monitoring/ood-scorer.js';
import { oodScore, type OodStats } from '../../src/monitoring/scoring.js';
import { heldOutTestDigits } from './helpers/mnist-digits.js';

const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest & { monitoring: MonitoringBlock };
const block = manifest.monitoring;
const spec = { ...manifest.preprocessing };

/** A seeded generator, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Features of held-out digits (MNIST's 0..1 pixels normalised as the model expects) and of noise, blobs and near-blank fields. */
function featureCases(): InputFeatures[] {
  const next = random(7);
  const normalise = (pixels: ArrayLike<number>): Float32Array => Float32Array.from(pixels, (v) => (v - spec.mean) / spec.std);
  const digits = heldOutTestDigits().pictures.slice(0, 600).map((picture) => inputFeatures(normalise(picture), spec));
  const noise = Array.from({ length: 200 }, (_, k) => inputFeatures(normalise(Array.from({ length: 784 }, () => (next() < k / 200 ? next() : 0))), spec));
  return [...digits, ...noise];
}

function logitCases(count: number): Float32Array[] {
  const next = random(11);
  return Array.from({ length: count }, (_, k) => Float32Array.from({ length: 10 }, () => (next() - 0.5) * (k % 3 === 0 ? 40 : 8)));
}

function statsOf(variant: { energy: OodStats['energy']; combiner?: OodStats['combiner'] }, edit: Partial<OodStats> = {}): OodStats {
  return {
    energy: variant.energy,
    features: block.features,
    oodFeatures: block.oodFeatures,
    oneSided: block.oneSided,
    combiner: variant.combiner,
    classFeatures: block.classFeatures,
    ...edit,
  };
}

describe('compiled OOD scorer', () => {
  const features = featureCases();
  const logits = logitCases(features.length);
  const cases: [string, OodStats][] = [
    [block.variant, statsOf(block)],
    ...Object.entries(block.variants ?? {}).map(([id, variant]): [string, OodStats] => [id, statsOf(variant)]),
    ['all features, both sides, no one-sided rule', statsOf(block, { oodFeatures: undefined, oneSided: undefined })],
    ['one-sided high and low', statsOf(block, { oneSided: { meanIntensity: 'low', strokeWidth: 'high' } })],
    ['no combiner: the larger of the two z-scores', statsOf(block, { combiner: undefined })],
    ['a combiner without class statistics falls back to the larger z-score', statsOf(block, { classFeatures: undefined })],
  ];
  for (const [name, stats] of cases) {
    it(`gives the reference's score to the bit: ${name}`, () => {
      const scorer = compileOodScorer(stats);
      features.forEach((row, k) => {
        const raw = logits[k]!;
        const top = (k % 97) / 97;
        const expected = oodScore(raw, row, stats, top).score;
        assert.ok(Object.is(scorer(raw, row, top), expected), `case ${k}: ${scorer(raw, row, top)} ≠ ${expected}`);
      });
    });
  }

  it('really differs between the rules it compiles (the comparison above can fail)', () => {
    const plain = compileOodScorer(statsOf(block, { combiner: undefined }));
    const fitted = compileOodScorer(statsOf(block));
    assert.notEqual(plain(logits[0]!, features[0]!, 0.9), fitted(logits[0]!, features[0]!, 0.9));
  });
});
