import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import type { LoadProgress } from '../../src/load/options.js';
import { loadModel } from '../../src/load/load-model.js';
import type { Manifest } from '../../src/manifest/types.js';
import { decodeGoldenInputs } from '../../src/proof/golden.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { serveMnist, WASM_PATHS } from './helpers/static-models.js';
import { bumped, ModelHost } from './helpers/versioned-models.js';

const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const digit = decodeGoldenInputs(manifest).slice(0, 784);
const fp32 = manifest.variants.find((v) => v.id === 'fp32')!;
const base = { worker: false, wasmPaths: WASM_PATHS, variant: 'fp32' } as const;

describe('a load’s signal and onProgress end with the load; the model’s lifetime ends with dispose()', () => {
  it('an abort during compilation rejects the load with ABORTED (it used to return a working model)', async () => {
    const server = await serveMnist();
    const controller = new AbortController();
    try {
      const loading = loadModel(`${server.url}/models/mnist/manifest.json`, {
        ...base,
        cache: 'memory',
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'compile') controller.abort();
        },
      });
      await assert.rejects(loading, (error: unknown) => isModelshipError(error, 'ABORTED'));
    } finally {
      await server.close();
    }
  });

  it('aborting the load’s controller after the load (an unmount) breaks neither predictions nor updates, and onProgress stays quiet', async () => {
    const host = new ModelHost();
    await host.start();
    const controller = new AbortController();
    const progress: LoadProgress['type'][] = [];
    try {
      const model = await loadModel(host.manifestUrl, {
        ...base,
        cache: createMemoryStore(),
        signal: controller.signal,
        onProgress: (event) => progress.push(event.type),
      });
      const seenAtLoad = progress.length;
      controller.abort();
      assert.equal((await model.predict(digit)).index, manifest.golden[0]!.label);
      host.publish(bumped(host.base(), '1.1.0'));
      const result = await model.checkForUpdate();
      assert.equal(result.updated, true, result.reason);
      assert.equal(model.info().version, '1.1.0');
      assert.equal(progress.length, seenAtLoad, `no progress after the load: ${progress.slice(seenAtLoad).join(', ')}`);
      await model.dispose();
    } finally {
      await host.dispose();
    }
  });

  it('dispose() ends a background update still downloading, without a warning', async () => {
    const host = new ModelHost();
    await host.start();
    const store = createMemoryStore();
    try {
      await (await loadModel(host.manifestUrl, { ...base, cache: store })).dispose();
      host.publish(bumped(host.base(), '1.2.0'));
      const warnings: string[] = [];
      const model = await loadModel(host.manifestUrl, { ...base, cache: store, onWarning: (w) => warnings.push(w.code) });
      assert.equal(model.info().version, manifest.version, 'the cached version serves while 1.2.0 installs');
      await model.dispose();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(warnings, []);
      assert.equal(
        (await store.keys()).some((key) => key.startsWith(`version:${manifest.name}@1.2.0`)),
        false,
        'the update did not finish after dispose',
      );
    } finally {
      await host.dispose();
    }
  });
});

describe('a corrupted cache entry heals itself', () => {
  it('a cached blob whose bytes changed (same length) is evicted, downloaded again, and reported as CACHE_CORRUPTED', async () => {
    const server = await serveMnist();
    const store = createMemoryStore();
    const url = `${server.url}/models/mnist/manifest.json`;
    const filePath = `/models/mnist/${fp32.files[0]!.path}`;
    try {
      await (await loadModel(url, { ...base, cache: store })).dispose();
      const key = `blob:${fp32.files[0]!.sha256}`;
      const stored = new Uint8Array((await store.get<ArrayBuffer>(key))!.slice(0));
      stored[stored.length - 100]! ^= 0xff;
      await store.putMany([[key, stored.buffer]]);

      const warnings: Array<{ code: string; message: string }> = [];
      const healed = await loadModel(url, { ...base, cache: store, onWarning: (w) => warnings.push(w) });
      assert.deepEqual(
        warnings.map((w) => w.code),
        ['CACHE_CORRUPTED'],
      );
      assert.match(warnings[0]!.message, /fp32/);
      assert.equal(healed.info().cache.status, 'stored', 'downloaded and stored again');
      assert.equal(server.hits.get(filePath), 2);
      assert.equal((await healed.predict(digit)).index, manifest.golden[0]!.label);
      await healed.dispose();

      const again = await loadModel(url, { ...base, cache: store, onWarning: (w) => warnings.push(w) });
      assert.equal(again.info().cache.status, 'hit');
      assert.equal(warnings.length, 1);
      assert.equal(server.hits.get(filePath), 2);
      await again.dispose();
    } finally {
      await server.close();
    }
  });
});
