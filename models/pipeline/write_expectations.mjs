// Writes ../mnist/expectations.json: what a user should expect of the fp32 model per class (its
// false-positive and false-negative rates on the held-out set, and the pairs it confuses most),
// from .data/metrics.json (evaluate.py). The demo shows it; the numbers are the model card's.
import { readFileSync, writeFileSync } from 'node:fs';

const here = (path) => new URL(path, import.meta.url);
const metrics = JSON.parse(readFileSync(here('.data/metrics.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(here('../mnist/manifest.json'), 'utf8'));
const fp32 = metrics.variants.fp32;
const round = (value) => Math.round(value * 1e6) / 1e6;

const expectations = {
  name: manifest.name,
  version: manifest.version,
  variant: 'fp32',
  source: 'held-out MNIST digits (models/pipeline/evaluate.py); see MODEL_CARD.md',
  testCount: metrics.testCount,
  accuracy: round(fp32.accuracy),
  classes: manifest.labels.map((label, index) => ({
    label,
    testDigits: fp32.confusion[index].reduce((sum, count) => sum + count, 0),
    precision: round(fp32.precision[index]),
    recall: round(fp32.recall[index]),
    falsePositiveRate: round(fp32.fpr[index]),
    falseNegativeRate: round(fp32.fnr[index]),
  })),
  // [total, a, b, a→b, b→a] in evaluate.py; named here.
  confusedPairs: fp32.pairs.map(([total, a, b, aAsB, bAsA]) => ({ a: manifest.labels[a], b: manifest.labels[b], total, aAsB, bAsA })),
};
writeFileSync(here('../mnist/expectations.json'), `${JSON.stringify(expectations, null, 2)}\n`);
