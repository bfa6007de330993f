import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import type { Channel } from '../../src/manifest/types.js';
import { assignBucket, randomBucket } from '../../src/rollout/bucket.js';
import { chooseChannel } from '../../src/rollout/choose.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { ModelCache } from '../../src/store/model-cache.js';

const channels: Channel[] = [
  { name: 'stable', version: '1.0.0', share: 0.8 },
  { name: 'canary', version: '1.1.0', share: 0.15, manifest: 'canary/manifest.json' },
  { name: 'next', version: '2.0.0-rc.1', share: 0.05 },
];

describe('assignBucket', () => {
  it('draws once per installation and keeps the bucket across visits', async () => {
    const store = createMemoryStore();
    const first = await assignBucket(store, 'mnist');
    assert.ok(first >= 0 && first < 1);
    assert.equal(await assignBucket(store, 'mnist', () => 0.99), first, 'a later visit keeps the stored bucket');
    assert.equal(await assignBucket(store, 'other', () => 0.25), 0.25, 'experiments are independent');
    assert.deepEqual(await new ModelCache(store).versions(), [], 'never mistaken for a cached version');
  });

  it('redraws a stored value that is out of range', async () => {
    const store = createMemoryStore();
    await store.putMany([['rollout:bucket:default', { bucket: 7, assignedAt: 0 }]]);
    assert.equal(await assignBucket(store, undefined, () => 0.5), 0.5);
  });

  it('randomBucket is uniform enough: 10,000 draws land in 10 deciles within ±2 pp each', () => {
    const deciles = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) deciles[Math.floor(randomBucket() * 10)]++;
    for (const count of deciles) assert.ok(Math.abs(count / 10_000 - 0.1) < 0.02, `decile share ${count / 10_000}`);
  });
});

describe('chooseChannel', () => {
  it('picks by cumulative share, deterministically, and says why', () => {
    assert.equal(chooseChannel(channels, 0).channel?.name, 'stable');
    assert.equal(chooseChannel(channels, 0.7999).channel?.name, 'stable');
    const canary = chooseChannel(channels, 0.8);
    assert.equal(canary.channel?.name, 'canary');
    assert.equal(canary.version, '1.1.0');
    assert.equal(canary.manifest, 'canary/manifest.json');
    assert.match(canary.reason, /bucket 0\.8 is in channel canary's range \[0\.8, 0\.95\)/);
    assert.equal(chooseChannel(channels, 0.97).channel?.name, 'next');
    assert.deepEqual(chooseChannel(channels, 0.42), chooseChannel(channels, 0.42));
  });

  for (const [kind, bucketAt] of [
    ['evenly spaced', (i: number) => (i + 0.5) / 10_000],
    ['random', () => randomBucket()],
  ] as const) {
    it(`matches the shares within ±2 pp over 10,000 ${kind} installations`, () => {
      const counts = new Map<string, number>();
      for (let i = 0; i < 10_000; i++) {
        const name = chooseChannel(channels, bucketAt(i)).channel?.name ?? 'default';
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      for (const channel of channels) {
        const share = (counts.get(channel.name) ?? 0) / 10_000;
        assert.ok(Math.abs(share - channel.share) <= 0.02, `${channel.name}: ${share} vs ${channel.share}`);
      }
    });
  }

  it('leaves buckets past the total share on the default version, and scales shares over 1', () => {
    const partial = chooseChannel([{ name: 'canary', version: '1.1.0', share: 0.1 }], 0.5, '1.0.0');
    assert.equal(partial.channel, undefined);
    assert.equal(partial.version, '1.0.0');
    assert.match(partial.reason, /past the channels' total share 0\.1/);
    assert.equal(chooseChannel([], 0.3, '1.0.0').version, '1.0.0');
    const over = chooseChannel([{ name: 'a', version: '1', share: 1 }, { name: 'b', version: '2', share: 1 }], 0.6);
    assert.equal(over.channel?.name, 'b');
    assert.match(over.reason, /scaled from 2 to 1/);
  });

  it('refuses invalid shares and buckets', () => {
    assert.throws(() => chooseChannel([{ name: 'x', version: '1', share: -0.1 }], 0.5), (error) => isModelshipError(error, 'MANIFEST_INVALID') && error.details['field'] === 'channels[0].share');
    assert.throws(() => chooseChannel(channels, 1), RangeError);
    assert.throws(() => chooseChannel(channels, Number.NaN), RangeError);
  });
});
