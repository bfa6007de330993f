import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import type { ModelFile } from '../../src/manifest/types.js';
import type { KeyValueStore } from '../../src/store/key-value-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { ModelCache, isQuotaError } from '../../src/store/model-cache.js';

const file = (path: string, fill: number, bytes = 16): { file: ModelFile; bytes: Uint8Array } => ({
  file: { path, bytes, sha256: fill.toString(16).padStart(64, '0') },
  bytes: new Uint8Array(bytes).fill(fill),
});

describe('ModelCache', () => {
  it('makes a version visible only with all its files, and reads them back', async () => {
    const cache = new ModelCache(createMemoryStore());
    const a = file('a.onnx', 1);
    const b = file('b.bin', 2);
    assert.equal(await cache.read('m', '1.0.0', 'fp32', [a.file, b.file]), undefined);
    await cache.commit('m', '1.0.0', 'fp32', [a, b]);
    const read = await cache.read('m', '1.0.0', 'fp32', [a.file, b.file]);
    assert.deepEqual(read, [a.bytes, b.bytes]);
    assert.equal(await cache.usageBytes(), 32);
  });

  it('treats a version whose blob went missing as not cached', async () => {
    const store = createMemoryStore();
    const cache = new ModelCache(store);
    const a = file('a.onnx', 1);
    await cache.commit('m', '1.0.0', 'fp32', [a]);
    await store.deleteMany([`blob:${a.file.sha256}`]);
    assert.equal(await cache.read('m', '1.0.0', 'fp32', [a.file]), undefined);
  });

  it('does not return files whose hashes differ from the manifest asking', async () => {
    const cache = new ModelCache(createMemoryStore());
    const a = file('a.onnx', 1);
    await cache.commit('m', '1.0.0', 'fp32', [a]);
    assert.equal(await cache.read('m', '1.0.0', 'fp32', [file('a.onnx', 9).file]), undefined);
  });

  it('shares identical files between versions and keeps them until the last user is removed', async () => {
    const store = createMemoryStore();
    const cache = new ModelCache(store);
    const shared = file('a.onnx', 1);
    await cache.commit('m', '1.0.0', 'fp32', [shared]);
    await cache.commit('m', '1.1.0', 'fp32', [shared]);
    assert.equal(await cache.usageBytes(), 16);
    await cache.remove('m', '1.0.0', 'fp32');
    assert.ok(await cache.read('m', '1.1.0', 'fp32', [shared.file]));
    await cache.remove('m', '1.1.0', 'fp32');
    assert.deepEqual(await store.keys(), []);
  });

  it('turns a quota failure into QUOTA_EXCEEDED and leaves nothing behind', async () => {
    const inner = createMemoryStore();
    const full: KeyValueStore = {
      ...inner,
      putMany: async () => {
        const quota = new Error('quota');
        quota.name = 'QuotaExceededError';
        throw Object.assign(new Error('aborted'), { name: 'AbortError', inner: quota });
      },
    };
    const cache = new ModelCache(full);
    await assert.rejects(cache.commit('m', '1.0.0', 'fp32', [file('a.onnx', 1)]), (error) => isModelshipError(error, 'QUOTA_EXCEEDED'));
    assert.deepEqual(await inner.keys(), []);
    assert.equal(isQuotaError(new Error('other')), false);
  });
});
