import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { loadModel } from '../../src/load/load-model.js';
import { validateManifest } from '../../src/manifest/validate.js';
import type { Manifest } from '../../src/manifest/types.js';
import { inputFeatures } from '../../src/monitoring/features.js';
import { combine, oodTerms } from '../../src/monitoring/ood-combiner.js';
import { energy, temperatureSoftmax } from '../../src/monitoring/scoring.js';
import type { DriftEvent } from '../../src/monitoring/types.js';
import { softmax } from '../../src/scores.js';
import { readFileSync } from 'node:fs';
import { dilate, heldOutTestDigits, shuffle, toRgba } from './helpers/mnist-digits.js';
import { serveMnist, WASM_PATHS } from './helpers/static-models.js';

const base = { worker: false, wasmPaths: WASM_PATHS, cache: 'memory', variant: 'fp32' } as const;
const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const digits = heldOutTestDigits();
const blank = { data: new Uint8ClampedArray(64 * 64 * 4).fill(255), width: 64, height: 64 };

async function withModel<T>(
  run: (model: Awaited<ReturnType<typeof loadModel>>) => Promise<T>,
  edit?: (m: Manifest) => void,
  options: Parameters<typeof loadModel>[1] = {},
): Promise<T> {
  const server = await serveMnist(edit);
  const model = await loadModel(`${server.url}/models/mnist/manifest.json`, { ...base, ...options });
  try {
    return await run(model);
  } finally {
    await model.dispose();
    await server.close();
  }
}

describe('abstain and calibrated confidence', () => {
  it('scores are the manifest temperature softmax; held-out digits rarely abstain; blank is empty; noise is out of distribution', async () => {
    await withModel(async (model) => {
      assert.deepEqual(model.info().monitoring, { calibrated: true, reason: 'calibrated for variant fp32' });
      const predictions = await model.predictBatch(digits.pictures.map((p) => toRgba(p)));
      const abstained = predictions.filter((p) => p.abstain).length / predictions.length;
      assert.ok(abstained <= 0.02, `abstained on ${(abstained * 100).toFixed(1)}% of held-out digits`);
      const correct = predictions.filter((p, i) => !p.abstain && p.index === digits.labels[i]).length;
      assert.ok(correct / predictions.filter((p) => !p.abstain).length > 0.985);
      for (const p of predictions.slice(0, 5)) {
        assert.ok(Math.abs(p.scores.reduce((a, b) => a + b, 0) - 1) < 1e-6);
        assert.equal(typeof p.oodScore, 'number');
      }
      // The temperature below 1 sharpens: the calibrated top score differs from the plain softmax's.
      assert.ok(manifest.monitoring!.temperature < 1);

      const empty = await model.predict(blank);
      assert.equal(empty.abstain, true);
      assert.equal(empty.abstainReason, 'empty');
      assert.ok(empty.label.length > 0 && empty.scores.length === 10, 'label and scores are still returned');

      let seed = 3;
      const noise = {
        data: new Uint8ClampedArray(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256)),
        width: 64,
        height: 64,
      };
      const noisy = await model.predict(noise);
      assert.equal(noisy.abstain, true, `noise answered ${noisy.label} at ${noisy.top[0]!.score.toFixed(2)}, ood ${noisy.oodScore.toFixed(2)}`);
      assert.ok(noisy.oodScore > manifest.monitoring!.thresholds.ood || noisy.abstainReason === 'low-confidence');

      const counts = model.monitoring().versions[0]!;
      assert.equal(counts.predictions, digits.pictures.length + 2);
      assert.equal(counts.abstentions.empty, 1);
    });
  });

  it('the temperature is applied to the raw logits (checked against the golden outputs)', async () => {
    await withModel(async (model) => {
      const golden = manifest.golden[0]!;
      const bytes = Uint8Array.from(Buffer.from(golden.inputUint8, 'base64'));
      const p = await model.predict(Float32Array.from(bytes, (v) => v / 255));
      const expected = temperatureSoftmax(manifest.variants[0]!.goldenOutputs[0]!, manifest.monitoring!.temperature);
      p.scores.forEach((s, i) => assert.ok(Math.abs(s - expected[i]!) < 1e-3));
    });
  });

  it('a manifest without a monitoring block still works: plain softmax, never abstains, and info() says why', async () => {
    await withModel(
      async (model) => {
        assert.equal(model.info().monitoring.calibrated, false);
        assert.match(model.info().monitoring.reason, /no monitoring block/);
        const p = await model.predict(blank);
        assert.equal(p.abstain, false);
        assert.equal(p.abstainReason, undefined);
        assert.equal(p.oodScore, 0);
        const golden = manifest.golden[0]!;
        const q = await model.predict(Float32Array.from(Buffer.from(golden.inputUint8, 'base64'), (v) => v / 255));
        const expected = softmax(manifest.variants[0]!.goldenOutputs[0]!);
        q.scores.forEach((s, i) => assert.ok(Math.abs(s - expected[i]!) < 1e-3));
        assert.equal(model.monitoring().calibrated, false);
      },
      (m) => delete m.monitoring,
    );
  });

  it('oodScore is the manifest combiner over the library terms (what models/pipeline/calibrate.ts fitted)', async () => {
    await withModel(async (model) => {
      const block = manifest.monitoring!;
      const golden = manifest.golden[0]!;
      const input = Float32Array.from(Buffer.from(golden.inputUint8, 'base64'), (v) => v / 255);
      const p = await model.predict(input);
      const logits = manifest.variants[0]!.goldenOutputs[0]!;
      // A Float32Array is the model's input as is (already preprocessed): the features read it directly.
      const features = inputFeatures(input, { width: 28, height: 28, mean: manifest.preprocessing!.mean, std: manifest.preprocessing!.std });
      const top = Math.max(...temperatureSoftmax(logits, block.temperature));
      const rules = { oodFeatures: block.oodFeatures!, oneSided: block.oneSided };
      const terms = oodTerms(
        { energy: energy(logits), top, predicted: logits.indexOf(Math.max(...logits)), features },
        block.features,
        block.classFeatures!,
        rules,
      );
      assert.ok(Math.abs(p.oodScore - combine(terms, block.combiner!)) < 1e-3, `${p.oodScore} vs ${combine(terms, block.combiner!)}`);
      assert.equal(p.abstain, false, 'a golden digit is answered');
    });
  });

  it('a manifest from before the combiner still abstains by the larger of the energy and feature z-scores', async () => {
    await withModel(
      async (model) => {
        const predictions = await model.predictBatch(digits.pictures.map((picture) => toRgba(picture)));
        const abstained = predictions.filter((p) => p.abstain).length / predictions.length;
        assert.ok(abstained <= 0.03, `abstained on ${(abstained * 100).toFixed(1)}% of held-out digits`);
        const p = predictions[0]!;
        assert.ok(p.oodScore >= 0, 'the max rule is never negative (the combiner is a log-odds and usually is on digits)');
      },
      (m) => {
        const block = m.monitoring!;
        delete block.combiner;
        delete block.classFeatures;
        for (const v of Object.values(block.variants ?? {})) delete v.combiner;
        block.thresholds.ood = 3.3; // the max rule's threshold when it was the method (manifest 1.x)
      },
    );
  });

  it('the manifest schema is strict about the monitoring block', () => {
    const broken = (edit: (m: Manifest) => void): Manifest => {
      const copy = structuredClone(manifest);
      edit(copy);
      return copy;
    };
    const cases: [string, (m: Manifest) => void, RegExp][] = [
      ['zero temperature', (m) => (m.monitoring!.temperature = 0), /monitoring\.temperature/],
      ['unknown field', (m) => ((m.monitoring as unknown as Record<string, unknown>)['extra'] = 1), /monitoring/],
      [
        'missing feature stat',
        (m) => delete (m.monitoring!.features as Partial<Manifest['monitoring'] & object>)['inkMass' as never],
        /monitoring\.features\.inkMass/,
      ],
      ['shares vs edges', (m) => m.monitoring!.reference.inkMass.shares.pop(), /monitoring\.reference\.inkMass\.shares/],
      ['class shares vs labels', (m) => m.monitoring!.reference.predictedClass.shares.push(0), /predictedClass\.shares/],
      ['unknown variant', (m) => (m.monitoring!.variants = { nope: m.monitoring!.variants!['int8']! }), /monitoring\.variants\.nope/],
      ['lowConfidence > 1', (m) => (m.monitoring!.thresholds.lowConfidence = 2), /monitoring\.thresholds\.lowConfidence/],
      ['combiner without classFeatures', (m) => delete m.monitoring!.classFeatures, /monitoring\.classFeatures/],
      ['classFeatures per label', (m) => m.monitoring!.classFeatures!.pop(), /monitoring\.classFeatures/],
      [
        'combiner weight missing',
        (m) => delete (m.monitoring!.combiner!.weights as Partial<Record<string, number>>)['classZ'],
        /monitoring\.combiner\.weights/,
      ],
    ];
    for (const [name, edit, field] of cases) {
      assert.throws(
        () => validateManifest(broken(edit)),
        (error) => isModelshipError(error, 'MANIFEST_INVALID') && field.test(error.message),
        name,
      );
    }
  });
});

describe('drift on the device', () => {
  const stream = shuffle(
    digits.pictures.map((p, i) => ({ p, label: digits.labels[i]! })),
    5,
  );

  async function run(
    pictures: Float32Array[],
    window?: number,
  ): Promise<{ events: DriftEvent[]; figures: Record<string, { jensenShannon: number; psi: number; drifting: boolean }> }> {
    return withModel(
      async (model) => {
        const events: DriftEvent[] = [];
        model.on('drift', (event) => events.push(event));
        for (let i = 0; i < pictures.length; i += 100) await model.predictBatch(pictures.slice(i, i + 100).map((p) => toRgba(p)));
        return { events, figures: model.monitoring().drift.figures };
      },
      undefined,
      window ? { monitoring: { window } } : {},
    );
  }

  it('does not fire on a stream of held-out digits', async () => {
    const { events, figures } = await run(stream.map((s) => s.p));
    assert.deepEqual(events, []);
    assert.ok(Object.keys(figures).length === 7);
  });

  it('fires its events without a read of the figures (the counting waits at most the backlog delay)', async () => {
    const twoClasses = stream.filter((s) => s.label === 1 || s.label === 7).map((s) => s.p);
    const pictures = [...twoClasses, ...twoClasses].slice(0, 300);
    const events = await withModel(async (model) => {
      const seen: DriftEvent[] = [];
      model.on('drift', (event) => seen.push(event));
      for (const picture of pictures) await model.predict(toRgba(picture));
      await new Promise((resolve) => setTimeout(resolve, 200));
      return seen;
    });
    assert.ok(
      events.some((e) => e.feature === 'predictedClass'),
      JSON.stringify(events),
    );
  });

  it('fires on a stream of one or two classes (prediction drift)', async () => {
    const twoClasses = stream.filter((s) => s.label === 1 || s.label === 7).map((s) => s.p);
    const { events } = await run([...twoClasses, ...twoClasses].slice(0, 300));
    const predicted = events.filter((e) => e.feature === 'predictedClass');
    assert.ok(predicted.length > 0, JSON.stringify(events));
    assert.equal(predicted[0]!.window, 200);
    assert.ok(predicted[0]!.value > predicted[0]!.threshold);
  });

  it('fires on thick-stroked and on noisy pictures (input drift), with a configurable window', async () => {
    const thick = await run(
      stream.slice(0, 150).map((s) => dilate(s.p, 2)),
      100,
    );
    assert.ok(
      thick.events.some((e) => e.feature === 'strokeWidth' || e.feature === 'inkMass'),
      JSON.stringify(thick.events),
    );
    assert.ok(thick.events.every((e) => e.window === 100));
    let seed = 9;
    const noisy = stream.slice(0, 150).map((s) => s.p.map((v) => Math.min(1, v + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 1000) / 2500)));
    const result = await run(noisy, 100);
    assert.ok(
      result.events.some((e) => e.feature !== 'predictedClass'),
      JSON.stringify(result.events),
    );
  });
});
