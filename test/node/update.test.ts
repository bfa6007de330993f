import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { loadModel } from '../../src/load/load-model.js';
import type { Manifest } from '../../src/manifest/types.js';
import type { Model } from '../../src/model.js';
import { decodeGoldenInputs } from '../../src/proof/golden.js';
import type { KeyValueStore } from '../../src/store/key-value-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { LoadOptions, ModelEvents } from '../../src/types.js';
import { WASM_PATHS } from './helpers/static-models.js';
import { bumped, ModelHost } from './helpers/versioned-models.js';

const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const digit = decodeGoldenInputs(manifest).slice(0, 784);

function next<K extends keyof ModelEvents>(model: Model, event: K, timeoutMs = 20_000): Promise<ModelEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(event)} event within ${timeoutMs} ms`)), timeoutMs);
    const off = model.on(event, (payload) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

describe('model lifecycle: revalidation, offline, updates, rollback, channels', () => {
  let host: ModelHost;
  let store: KeyValueStore;
  const options = (extra: LoadOptions = {}): LoadOptions => ({ worker: false, wasmPaths: WASM_PATHS, cache: store, variant: 'fp32', ...extra });

  beforeEach(async () => {
    host = new ModelHost();
    store = createMemoryStore();
    await host.start();
  });
  afterEach(() => host.dispose());

  it('revalidates with the ETag (304) and runs the cached version offline', async () => {
    const first = await loadModel(host.manifestUrl, options());
    assert.equal(first.info().manifestSource, 'network');
    assert.equal(first.info().cache.status, 'stored');
    await first.dispose();

    const second = await loadModel(host.manifestUrl, options());
    assert.equal(second.info().manifestSource, 'not-modified');
    assert.equal(second.info().cache.status, 'hit');
    await second.dispose();

    await host.stop();
    const warnings: string[] = [];
    const offline = await loadModel(host.manifestUrl, options({ onWarning: (w) => warnings.push(w.code) }));
    assert.equal(offline.info().manifestSource, 'offline');
    assert.equal(offline.info().version, manifest.version);
    assert.equal((await offline.predict(digit)).index, manifest.golden[0]!.label);
    assert.ok(warnings.includes('OFFLINE'));
    await offline.dispose();
  });

  it('serves the cached version while a new one installs, then switches atomically with an update event', async () => {
    const first = await loadModel(host.manifestUrl, options());
    await first.dispose();
    host.publish(bumped(host.base(), '1.1.0'));
    const model = await loadModel(host.manifestUrl, options());
    assert.equal(model.info().version, '1.0.0', JSON.stringify([model.info().manifestSource, model.info().cache]));
    const updated = next(model, 'update');
    const seen: string[] = [];
    let done = false;
    void updated.finally(() => (done = true));
    for (let i = 0; i < 2000 && !done; i++) seen.push((await model.predict(digit)).version);
    assert.deepEqual(await updated, { from: '1.0.0', to: '1.1.0', reason: 'manifest now names 1.1.0' });
    seen.push((await model.predict(digit)).version);
    const firstNew = seen.indexOf('1.1.0');
    assert.ok(firstNew > 0, 'predictions went on while the update installed');
    assert.ok(seen.slice(firstNew).every((version) => version === '1.1.0'), 'never back to the old version after the switch');
    assert.equal(model.info().version, '1.1.0');

    const back = next(model, 'rollback');
    assert.equal((await model.rollback()).version, '1.0.0');
    assert.equal((await back).to, '1.0.0');
    assert.equal((await model.predict(digit)).version, '1.0.0');
    await assert.rejects(model.rollback(), (error) => isModelshipError(error, 'ROLLBACK_UNAVAILABLE'));
    await model.dispose();

    const warnings: string[] = [];
    const again = await loadModel(host.manifestUrl, options({ onWarning: (w) => warnings.push(w.code) }));
    assert.equal(again.info().version, '1.0.0', 'a version rolled back from is not installed again');
    assert.ok(warnings.includes('VERSION_REJECTED'));
    await again.dispose();
  });

  it('rolls back automatically when the new version fails its golden vectors', async () => {
    await (await loadModel(host.manifestUrl, options())).dispose();
    host.publish(bumped(host.base(), '1.2.0', (m) => m.variants.forEach((v) => (v.goldenOutputs[0]![0]! += 3))));
    const model = await loadModel(host.manifestUrl, options());
    const event = await next(model, 'rollback');
    assert.equal(event.from, '1.2.0');
    assert.equal(event.to, '1.0.0');
    assert.match(event.reason, /differs from the golden outputs/);
    assert.equal(model.info().version, '1.0.0');
    assert.equal((await model.checkForUpdate()).updated, false);
    await model.dispose();
  });

  it('keeps an installation on its rollout channel, and a forced channel loads that arm', async () => {
    host.publish(bumped(host.base(), '1.1.0'), 'canary.json');
    host.publish(bumped(host.base(), '1.0.0', (m) => (m.channels = [{ name: 'stable', version: '1.0.0', share: 0.5 }, { name: 'canary', version: '1.1.0', share: 0.5, manifest: 'canary.json' }])));
    const arms: string[] = [];
    for (let i = 0; i < 3; i++) {
      const model = await loadModel(host.manifestUrl, options());
      arms.push(`${model.info().channel?.name}@${(await model.predict(digit)).version}`);
      await model.dispose();
    }
    assert.equal(new Set(arms).size, 1, `one installation, one arm: ${arms.join(', ')}`);
    const forced = await loadModel(host.manifestUrl, options({ channel: 'canary', cache: createMemoryStore() }));
    assert.equal(forced.info().version, '1.1.0');
    assert.equal(forced.info().channel?.name, 'canary');
    await forced.dispose();
  });
});
