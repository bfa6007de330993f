import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { loadModel } from '../../src/load/load-model.js';
import type { Manifest } from '../../src/manifest/types.js';
import { decodeGoldenInputs } from '../../src/proof/golden.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { LoadProgress } from '../../src/types.js';
import { serveMnist, WASM_PATHS } from './helpers/static-models.js';

const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const base = { worker: false, wasmPaths: WASM_PATHS } as const;

describe('loadModel end to end (Node, onnxruntime-web wasm, real HTTP)', () => {
  it('downloads, verifies, caches, proves and predicts every golden digit; a second load downloads nothing', async () => {
    const server = await serveMnist();
    const cache = createMemoryStore();
    const events: LoadProgress['type'][] = [];
    try {
      const url = `${server.url}/models/mnist/manifest.json`;
      const model = await loadModel(url, { ...base, cache, variant: 'fp32', onProgress: (event) => events.push(event.type) });
      assert.equal(model.info().cache.status, 'stored');
      assert.equal(model.info().runtime, 'onnx-wasm');
      const inputs = decodeGoldenInputs(manifest);
      const size = 784;
      const batch = await model.predictBatch(manifest.golden.map((_, i) => inputs.slice(i * size, (i + 1) * size)));
      assert.deepEqual(batch.map((p) => p.index), manifest.golden.map((g) => g.label));
      const single = await model.predict(inputs.slice(0, size));
      assert.equal(single.label, String(manifest.golden[0]!.label));
      assert.ok(Math.abs(single.scores.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      assert.equal(single.top.length, 3);
      assert.equal(single.version, manifest.version);
      assert.equal(single.variant, 'fp32');
      await model.dispose();
      await assert.rejects(model.predict(inputs.slice(0, size)), (error) => isModelshipError(error, 'DISPOSED'));
      assert.deepEqual([...new Set(events)], ['manifest', 'download', 'verify', 'compile', 'ready']);

      const fp32Path = `/models/mnist/${manifest.variants.find((v) => v.id === 'fp32')!.files[0]!.path}`;
      const before = server.hits.get(fp32Path);
      const again = await loadModel(url, { ...base, cache, variant: 'fp32' });
      assert.equal(again.info().cache.status, 'hit');
      assert.equal(server.hits.get(fp32Path), before);
      await again.dispose();
    } finally {
      await server.close();
    }
  });

  it('auto picks the smallest download within 0.3 pp of the best accuracy (near-equal sizes by accuracy), and says so', async () => {
    const server = await serveMnist();
    try {
      // The app names its runtime (authoritative, so start cost does not reorder it; test/node/plan-start-cost.test.ts covers that).
      const model = await loadModel(`${server.url}/models/mnist/manifest.json`, { ...base, cache: 'memory', backends: ['onnx-wasm'] });
      // int8 (98.70%, 111 KB) and pruned (98.65%, 106 KB) are both within 0.3 pp of the best and within 5% in size: the more accurate int8 wins.
      assert.equal(model.info().variant, 'int8');
      assert.match(model.info().reason, /int8 on onnx-wasm: 98\.70% held-out accuracy \(within 0\.3 pp of the best\), 111 KB to download/);
      await model.dispose();
    } finally {
      await server.close();
    }
  });

  it('rejects a variant that fails its golden proof and falls back to the next one, saying why', async () => {
    const server = await serveMnist((m) => {
      const int8 = m.variants.find((v) => v.id === 'int8')!;
      int8.goldenOutputs[0]![0]! += 5;
    });
    try {
      const fallbacks: string[] = [];
      const model = await loadModel(`${server.url}/models/mnist/manifest.json`, {
        ...base,
        cache: 'memory',
        backends: ['onnx-wasm'],
        onFallback: (event) => fallbacks.push(`${event.from} -> ${event.to}: ${event.reason}`),
      });
      assert.notEqual(model.info().variant, 'int8');
      assert.match(fallbacks[0]!, /^local\/onnx-wasm\/int8 -> .*: onnx-wasm on variant int8 differs from the golden outputs/);
      assert.ok(!fallbacks.slice(1).some((line) => line.includes('/int8 ->')), fallbacks.join('\n'));
      await model.dispose();
    } finally {
      await server.close();
    }
  });

  it('fails with BACKEND_UNAVAILABLE listing each attempt when no step passes', async () => {
    const server = await serveMnist((m) => {
      for (const variant of m.variants) variant.goldenOutputs[0]![0]! += 5;
    });
    try {
      await assert.rejects(loadModel(`${server.url}/models/mnist/manifest.json`, { ...base, cache: 'memory', variant: 'int8' }), (error) => {
        assert.ok(isModelshipError(error, 'BACKEND_UNAVAILABLE'));
        assert.match(error.message, /onnx-wasm\/int8/);
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it('names an unknown variant as an options field', async () => {
    const server = await serveMnist();
    try {
      await assert.rejects(loadModel(`${server.url}/models/mnist/manifest.json`, { ...base, variant: 'fp64' }), (error) => {
        assert.ok(isModelshipError(error, 'INPUT_INVALID'));
        assert.equal(error.details['field'], 'options.variant');
        return true;
      });
    } finally {
      await server.close();
    }
  });
});
