import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import type { Manifest } from '../../src/manifest/types.js';
import type { GreyImage } from '../../src/preprocess/grey-image.js';
import { preprocessMnist } from '../../src/preprocess/mnist.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODEL = join(ROOT, 'models', 'mnist', 'mnist-fp32.onnx');
const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'mnist', 'manifest.json'), 'utf8')) as Manifest;
const spec = manifest.preprocessing;
const PER_CLASS = 20;
const SIDE = 280;

/**
 * The last samples of each class in the npm package's stored order: the pipeline holds out the
 * last 20% of every class (models/pipeline/data.py), so the model never trained on these.
 * The package's set() shuffles with Math.random, so the raw arrays are read directly.
 */
function heldOutDigits(): { pixels: Float32Array; label: number }[] {
  const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const out: { pixels: Float32Array; label: number }[] = [];
  for (let label = 0; label < 10; label++) {
    const raw = (JSON.parse(readFileSync(join(digitsDir, `${label}.json`), 'utf8')) as { data: number[] }).data;
    const count = Math.floor(raw.length / 784);
    for (let i = count - PER_CLASS; i < count; i++) out.push({ pixels: Float32Array.from(raw.slice(i * 784, (i + 1) * 784)), label });
  }
  return out;
}

/** Simulates a drawing: the digit blown up by `zoom` (bilinear, so strokes are smooth), shifted, dark on white. */
function drawOnPad(digit: Float32Array, zoom: number, left: number, top: number): GreyImage {
  const data = new Float32Array(SIDE * SIDE).fill(1);
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x > 27 || y > 27 ? 0 : digit[y * 28 + x]!);
  for (let py = 0; py < SIDE; py++) {
    const v = (py + 0.5 - top) / zoom - 0.5;
    const y0 = Math.floor(v);
    const fy = v - y0;
    if (y0 < -1 || y0 > 27) continue;
    for (let px = 0; px < SIDE; px++) {
      const u = (px + 0.5 - left) / zoom - 0.5;
      const x0 = Math.floor(u);
      const fx = u - x0;
      if (x0 < -1 || x0 > 27) continue;
      const top2 = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
      const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
      data[py * SIDE + px] = 1 - (top2 * (1 - fy) + bottom * fy);
    }
  }
  return { data, width: SIDE, height: SIDE };
}

function correlation(a: Float32Array, b: Float32Array): number {
  const mean = (x: Float32Array): number => x.reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** A fixed-seed LCG, so every run draws the same zooms and shifts. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

describe('preprocessMnist on held-out MNIST digits drawn on a 280×280 pad', () => {
  const digits = heldOutDigits();
  const random = seededRandom(1);
  const redrawn = digits.map(({ pixels }) => {
    const zoom = 4 + random() * 5; // the digit's 28 px become 112..252 px
    const room = SIDE - 28 * zoom;
    const field = preprocessMnist(drawOnPad(pixels, zoom, random() * room, random() * room), spec);
    return field.map((v) => v * spec.std + spec.mean);
  });

  // Measured: mean 0.94, worst 0.81. What is left is MNIST's whole-pixel centring (±0.5 px)
  // and the blur of drawing up and scaling down. Putting the centre of mass on the field's
  // geometric centre instead of pixel (14, 14) — half a pixel off — drops the mean to 0.84.
  it('reproduces the original 28×28 (correlation > 0.9 on average, > 0.7 for each)', () => {
    const scores = digits.map(({ pixels }, i) => correlation(pixels, redrawn[i]!));
    const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
    assert.equal(scores.length, 200);
    assert.ok(mean > 0.9, `mean correlation ${mean.toFixed(3)}`);
    assert.ok(Math.min(...scores) > 0.7, `worst correlation ${Math.min(...scores).toFixed(3)}`);
  });

  describe('with the shipped fp32 model', () => {
    let session: ort.InferenceSession;
    before(async () => {
      session = await ort.InferenceSession.create(MODEL);
    });

    async function accuracy(inputs: Float32Array[]): Promise<number> {
      const batch = new Float32Array(inputs.length * 784);
      inputs.forEach((input, i) => batch.set(input, i * 784));
      const feeds = { [manifest.inputs[0]!.name]: new ort.Tensor('float32', batch, [inputs.length, 1, 28, 28]) };
      const logits = (await session.run(feeds))[manifest.outputs[0]!.name]!.data as Float32Array;
      let correct = 0;
      digits.forEach(({ label }, i) => {
        const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
        if (row.indexOf(Math.max(...row)) === label) correct++;
      });
      return correct / inputs.length;
    }

    // Measured: 0.995 on the originals, 0.99 on the redrawn digits.
    it('classifies the redrawn digits about as well as the originals', async () => {
      const normalise = (x: Float32Array): Float32Array => x.map((v) => (v - spec.mean) / spec.std);
      const original = await accuracy(digits.map(({ pixels }) => normalise(pixels)));
      const preprocessed = await accuracy(redrawn.map(normalise));
      assert.ok(preprocessed >= 0.97, `accuracy on redrawn digits ${preprocessed}`);
      assert.ok(preprocessed >= original - 0.02, `original ${original}, redrawn ${preprocessed}`);
    });
  });
});
