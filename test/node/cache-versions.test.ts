import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelFile } from '../../src/manifest/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { ModelCache, versionKey, type CachedVersion } from '../../src/store/model-cache.js';
import { requestPersistence, storageEstimate } from '../../src/store/persistence.js';
import { compareVersions } from '../../src/store/semver.js';

const file = (fill: number): { file: ModelFile; bytes: Uint8Array } => ({
  file: { path: `f${fill}.onnx`, bytes: 8, sha256: fill.toString(16).padStart(64, '0') },
  bytes: new Uint8Array(8).fill(fill),
});
const URL_A = 'https://app.example/models/m/manifest.json';

describe('compareVersions', () => {
  it('orders by SemVer precedence', () => {
    const sorted = ['1.10.0', '1.2.0', '1.0.0-rc.1', '1.0.0', '1.0.0-alpha', '1.0.0-alpha.2', '1.0.0-alpha.beta', '0.9.9', '2.0.0+build.5'];
    sorted.sort(compareVersions);
    assert.deepEqual(sorted, ['0.9.9', '1.0.0-alpha', '1.0.0-alpha.2', '1.0.0-alpha.beta', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0', '2.0.0+build.5']);
    assert.equal(compareVersions('1.0.0+a', '1.0.0+b'), 0);
    assert.equal(compareVersions('2024-01', '1.0.0'), 1, 'non-SemVer sorts after SemVer');
  });
});

describe('ModelCache versions for offline loads and rollback', () => {
  async function filled(): Promise<ModelCache> {
    const cache = new ModelCache(createMemoryStore());
    const manifest = (version: string) => ({ name: 'm', version });
    await cache.commit('m', '1.2.0', 'fp32', [file(1)], { manifest: manifest('1.2.0'), etag: '"e120"', manifestUrl: URL_A });
    await cache.commit('m', '1.10.0', 'fp32', [file(2)], { manifest: manifest('1.10.0'), etag: '"e1100"', manifestUrl: URL_A });
    await cache.commit('m', '1.10.0', 'int8', [file(3)], { manifest: manifest('1.10.0'), etag: null, manifestUrl: URL_A });
    await cache.commit('m', '1.9.0', 'fp32', [file(4)], { manifest: manifest('1.9.0'), manifestUrl: URL_A, filesUrl: `${URL_A}/../canary/manifest.json` });
    await cache.commit('other', '9.0.0', 'fp32', [file(5)]);
    return cache;
  }

  it('keeps the manifest, its ETag and URL with the version record', async () => {
    const cache = await filled();
    const record = (await cache.versions()).find((v) => v.version === '1.10.0' && v.variant === 'fp32');
    assert.deepEqual(record?.manifest, { name: 'm', version: '1.10.0' });
    assert.equal(record?.etag, '"e1100"');
    assert.equal(record?.manifestUrl, URL_A);
    assert.equal(record?.filesUrl, undefined, 'only stored when it differs from manifestUrl');
    const int8 = (await cache.versions()).find((v) => v.variant === 'int8');
    assert.equal('etag' in (int8 ?? {}), false, 'a null ETag is not stored');
  });

  it('latestCommitted: the newest by SemVer (not by commit order), by name, URL or variant', async () => {
    const cache = await filled();
    assert.equal((await cache.latestCommitted({ name: 'm' }))?.version, '1.10.0');
    assert.equal((await cache.latestCommitted({ manifestUrl: URL_A, variant: 'fp32' }))?.version, '1.10.0');
    assert.equal((await cache.latestCommitted({ name: 'other' }))?.version, '9.0.0');
    assert.equal(await cache.latestCommitted({ name: 'nope' }), undefined);
  });

  it('latestCommitted skips a version whose blobs are gone', async () => {
    const store = createMemoryStore();
    const cache = new ModelCache(store);
    await cache.commit('m', '1.0.0', 'fp32', [file(1)]);
    await cache.commit('m', '2.0.0', 'fp32', [file(2)]);
    await store.deleteMany([`blob:${file(2).file.sha256}`]);
    assert.equal((await cache.latestCommitted({ name: 'm' }))?.version, '1.0.0');
  });

  it('previous: the newest complete version older than the current one', async () => {
    const cache = await filled();
    assert.equal((await cache.previous('m', '1.10.0'))?.version, '1.9.0');
    assert.equal((await cache.previous('m', '1.10.0'))?.filesUrl, `${URL_A}/../canary/manifest.json`);
    assert.equal((await cache.previous('m', '1.10.0', { variant: 'int8' }))?.version, undefined);
    assert.equal((await cache.previous('m', '1.9.0'))?.version, '1.2.0');
    assert.equal(await cache.previous('m', '1.2.0'), undefined);
  });

  it('reads records written before manifest/etag existed', async () => {
    const store = createMemoryStore();
    const old: CachedVersion = { name: 'm', version: '1.0.0', variant: 'fp32', files: [{ path: 'f1.onnx', sha256: file(1).file.sha256, bytes: 8 }], bytes: 8, committedAt: 1, lastUsedAt: 1 };
    await store.putMany([[versionKey('m', '1.0.0', 'fp32'), old], [`blob:${file(1).file.sha256}`, file(1).bytes.buffer]]);
    const cache = new ModelCache(store);
    assert.equal((await cache.latestCommitted({ name: 'm' }))?.manifest, undefined);
    assert.deepEqual(await cache.read('m', '1.0.0', 'fp32', [file(1).file]), [file(1).bytes]);
  });
});

describe('storage persistence and estimate', () => {
  it('asks for persistence only through requestPersistence, and tolerates its absence', async () => {
    let asked = 0;
    assert.equal(await requestPersistence({ persist: async () => (asked++, true), persisted: async () => false }), true);
    assert.equal(asked, 1);
    assert.equal(await requestPersistence({ persist: async () => (asked++, true), persisted: async () => true }), true);
    assert.equal(asked, 1, 'not asked again once granted');
    assert.equal(await requestPersistence({}), false, 'workers have no persist()');
    assert.equal(await requestPersistence({ persist: async () => Promise.reject(new Error('denied')) }), false);
  });

  it('reports usage and quota where the browser gives them', async () => {
    assert.deepEqual(await storageEstimate({ estimate: async () => ({ usage: 10, quota: 100 }), persisted: async () => false }), {
      usage: 10,
      quota: 100,
      persisted: false,
    });
    assert.deepEqual(await storageEstimate(undefined), { usage: undefined, quota: undefined, persisted: undefined });
  });
});
