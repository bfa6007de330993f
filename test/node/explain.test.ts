import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadHeldOut } from '../../bench/heldout.js';
import { isModelshipError } from '../../src/errors.js';
import { patchGrid } from '../../src/explain/patches.js';
import { loadModel } from '../../src/load/load-model.js';
import { serveMnist, WASM_PATHS } from './helpers/static-models.js';

const PIXELS = 784;
/** Every 10th held-out digit: 201 digits, all classes. */
const EVERY = 10;

/** A seeded PRNG (mulberry32), so the random baseline is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function removed(image: Float32Array, pixels: number[]): Float32Array {
  const copy = image.slice();
  for (const pixel of pixels) copy[pixel] = 0;
  return copy;
}

describe('model.explain (occlusion sensitivity, Node, onnxruntime-web wasm, real model)', () => {
  it('lays 6×6 patches at stride 3 (default) and 2 over a 28×28 input: 64 and 169 of them', () => {
    assert.equal(patchGrid({ width: 28, height: 28, patch: 6, stride: 3 }).length, 64);
    assert.equal(patchGrid({ width: 28, height: 28, patch: 6, stride: 2 }).length, 169);
  });

  for (const stride of [3, 2])
    it(`is faithful at stride ${stride}: blanking the 10% of ink it ranks highest hurts the answer more than a random 10% for ≥ 80% of held-out digits`, async () => {
      const server = await serveMnist();
      const model = await loadModel(`${server.url}/models/mnist/manifest.json`, { worker: false, wasmPaths: WASM_PATHS, cache: 'none', variant: 'fp32' });
      try {
        const heldOut = loadHeldOut();
        const random = seeded(13);
        const picks = Array.from({ length: Math.ceil(heldOut.count / EVERY) }, (_, j) => j * EVERY);
        let faithful = 0;
        for (const i of picks) {
          const image = heldOut.images.slice(i * PIXELS, (i + 1) * PIXELS);
          const explanation = await model.explain(image, { stride });
          assert.equal(explanation.saliency.length, PIXELS);
          assert.ok(explanation.occlusions > 0 && explanation.occlusions <= (stride === 3 ? 64 : 169));
          const ink = [...image.keys()].filter((pixel) => image[pixel]! > 0.1);
          const k = Math.ceil(ink.length * 0.1);
          const ranked = [...ink].sort((a, b) => explanation.saliency[b]! - explanation.saliency[a]!).slice(0, k);
          const shuffled = [...ink];
          for (let j = shuffled.length - 1; j > 0; j--) {
            const r = Math.floor(random() * (j + 1));
            [shuffled[j], shuffled[r]] = [shuffled[r]!, shuffled[j]!];
          }
          const [mapped, chance] = await model.predictBatch([removed(image, ranked), removed(image, shuffled.slice(0, k))]);
          const drop = (p: typeof mapped) => explanation.baselineScore - p!.scores[explanation.index]!;
          if (drop(mapped) > drop(chance)) faithful++;
        }
        const rate = faithful / picks.length;
        console.log(`stride ${stride}: faithful on ${faithful}/${picks.length} held-out digits (${(rate * 100).toFixed(0)}%)`);
        assert.ok(rate >= 0.8, `faithful on only ${faithful} of ${picks.length} digits`);
      } finally {
        await model.dispose();
        await server.close();
      }
    });

  it('names a wrong option and input, and refuses after dispose', async () => {
    const server = await serveMnist();
    const model = await loadModel(`${server.url}/models/mnist/manifest.json`, { worker: false, wasmPaths: WASM_PATHS, cache: 'none', variant: 'fp32' });
    try {
      const blank = new Float32Array(PIXELS);
      await assert.rejects(model.explain(blank, { stride: 0 }), (e) => isModelshipError(e, 'INPUT_INVALID') && e.details['field'] === 'options.stride');
      await assert.rejects(model.explain(blank, { minInk: -1 }), (e) => isModelshipError(e, 'INPUT_INVALID') && e.details['field'] === 'options.minInk');
      await assert.rejects(model.explain(blank, { patch: 40 }), (e) => isModelshipError(e, 'INPUT_INVALID') && e.details['field'] === 'options.patch');
      await assert.rejects(model.explain(new Float32Array(10)), (e) => isModelshipError(e, 'INPUT_INVALID'));
      const empty = await model.explain(blank);
      assert.equal(empty.occlusions, 0, 'a blank input has nothing to occlude');
      assert.ok(empty.saliency.every((value) => value === 0));
      const coarse = await model.explain(loadHeldOut().images.slice(0, PIXELS), { patch: 7, stride: 7 });
      assert.ok(coarse.occlusions > 0 && coarse.occlusions <= 16);
      assert.equal(coarse.label, '0');
    } finally {
      await model.dispose();
      await server.close();
    }
    await assert.rejects(model.explain(new Float32Array(PIXELS)), (e) => isModelshipError(e, 'DISPOSED'));
  });
});
