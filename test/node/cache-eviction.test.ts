import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import type { ModelFile } from '../../src/manifest/types.js';
import { planEviction } from '../../src/store/eviction.js';
import type { KeyValueStore } from '../../src/store/key-value-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { ModelCache } from '../../src/store/model-cache.js';

const file = (fill: number, bytes = 100): { file: ModelFile; bytes: Uint8Array } => ({
  file: { path: `f${fill}.onnx`, bytes, sha256: fill.toString(16).padStart(64, '0') },
  bytes: new Uint8Array(bytes).fill(fill),
});
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));
const versionsOf = async (cache: ModelCache): Promise<string[]> => (await cache.versions()).map((v) => v.version).sort();

/** A store whose writes fail with a (wrapped) QuotaExceededError while `full()` says so. */
function quotaStore(full: (entries: [string, unknown][]) => boolean): KeyValueStore & { writes: number } {
  const inner = createMemoryStore();
  const store = {
    ...inner,
    writes: 0,
    putMany: async (entries: [string, unknown][]) => {
      store.writes++;
      if (full(entries)) {
        const quota = Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
        throw Object.assign(new Error('aborted'), { name: 'AbortError', inner: quota });
      }
      await inner.putMany(entries);
    },
  };
  return store;
}

describe('planEviction', () => {
  const v = (key: string, lastUsedAt: number, ...shas: string[]) => ({ key, lastUsedAt, files: shas.map((sha256) => ({ sha256, bytes: 10 })) });

  it('evicts least recently used first, counting shared blobs once, and keeps the incoming and kept versions', () => {
    const existing = [v('a', 3, 'x'), v('b', 1, 'y'), v('c', 2, 'z'), v('pinned', 0, 'p')];
    const plan = planEviction(existing, v('new', 9, 'n', 'x'), 30, new Set(['pinned']));
    assert.deepEqual(plan.evict.map((e) => e.key), ['b', 'c']);
    assert.equal(plan.bytesAfter, 30); // x (shared with new), n, p
    assert.equal(plan.fits, true);
  });

  it('evicts nothing when even evicting everything allowed would not make room', () => {
    const plan = planEviction([v('a', 1, 'x'), v('pinned', 0, 'p')], v('new', 9, 'n1', 'n2'), 25, new Set(['pinned']));
    assert.equal(plan.fits, false);
    assert.deepEqual(plan.evict, []);
  });
});

describe('ModelCache byte budget (LRU)', () => {
  it('evicts the least recently used versions to stay within maxBytes, never the pinned one', async () => {
    const cache = new ModelCache(createMemoryStore(), { maxBytes: 250 });
    await cache.commit('m', '1.0.0', 'fp32', [file(1)]);
    await tick();
    await cache.commit('m', '1.1.0', 'fp32', [file(2)]);
    await tick();
    const release = cache.pin('m', '1.0.0', 'fp32'); // 1.0.0 is the oldest, but it is running
    await cache.commit('m', '1.2.0', 'fp32', [file(3)]);
    assert.deepEqual(await versionsOf(cache), ['1.0.0', '1.2.0']);
    assert.ok(await cache.usageBytes() <= 250);
    release();
    await tick();
    await cache.read('m', '1.2.0', 'fp32', [file(3).file]); // touch: 1.0.0 is now least recently used
    await cache.commit('m', '1.3.0', 'fp32', [file(4)]);
    assert.deepEqual(await versionsOf(cache), ['1.2.0', '1.3.0']);
  });

  it('refuses a version larger than the whole budget with QUOTA_EXCEEDED and evicts nothing', async () => {
    const cache = new ModelCache(createMemoryStore(), { maxBytes: 150 });
    await cache.commit('m', '1.0.0', 'fp32', [file(1)]);
    await assert.rejects(cache.commit('m', '2.0.0', 'fp32', [file(2, 200)]), (error) => isModelshipError(error, 'QUOTA_EXCEEDED'));
    assert.deepEqual(await versionsOf(cache), ['1.0.0']);
  });
});

describe('ModelCache on QuotaExceededError', () => {
  it('drops partial downloads and LRU versions, then retries the write once', async () => {
    let fullUntilEvicted = false;
    const store = quotaStore(() => fullUntilEvicted);
    const cache = new ModelCache(store);
    await cache.commit('m', '1.0.0', 'fp32', [file(1)]);
    await cache.commit('m', '1.1.0', 'fp32', [file(2)]);
    await cache.partials.append('f'.repeat(64), { url: 'u', etag: '"e"' }, 0, new Uint8Array(50));
    const before = store.writes;
    fullUntilEvicted = true;
    const deleteMany = store.deleteMany;
    store.deleteMany = async (keys) => {
      await deleteMany(keys);
      if (keys.some((key) => key.startsWith('version:'))) fullUntilEvicted = false;
    };
    await cache.commit('m', '1.2.0', 'fp32', [file(3)]);
    assert.equal(store.writes - before, 2);
    assert.deepEqual(await versionsOf(cache), ['1.1.0', '1.2.0']);
    assert.equal(await cache.partials.load('f'.repeat(64)), undefined);
  });

  it('throws QUOTA_EXCEEDED when the retry fails too, leaving the pinned version in place', async () => {
    const store = quotaStore((entries) => entries.some(([key]) => key.includes('@2.0.0')));
    const cache = new ModelCache(store);
    await cache.commit('m', '1.0.0', 'fp32', [file(1)]);
    const release = cache.pin('m', '1.0.0', 'fp32');
    await assert.rejects(cache.commit('m', '2.0.0', 'fp32', [file(2)]), (error) => isModelshipError(error, 'QUOTA_EXCEEDED'));
    assert.deepEqual(await versionsOf(cache), ['1.0.0']);
    release();
    release(); // releasing twice is harmless
  });
});
