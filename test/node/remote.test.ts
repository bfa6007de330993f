import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TensorMap } from '../../src/engine.js';
import { isModelshipError } from '../../src/errors.js';
import type { Manifest } from '../../src/manifest/types.js';
import { createRemoteEngine } from '../../src/remote/remote-engine.js';
import type { RemoteConfig } from '../../src/remote/types.js';
import { createServer, type ModelshipServer } from '../../server/src/index.js';

// The reference server over the real model repository (models/repository, built by the model
// pipeline): the client is tested against a peer it did not write.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'mnist', 'manifest.json'), 'utf8')) as Manifest;
const fp32 = manifest.variants.find((v) => v.id === 'fp32')!;
const TOKEN = 'test-token';

const golden = manifest.golden.map((g, i) => ({
  label: g.label,
  pixels: Float32Array.from(Buffer.from(g.inputUint8, 'base64'), (v) => v / 255),
  expected: fp32.goldenOutputs[i]!,
}));

function batchOf(items: { pixels: Float32Array }[]): TensorMap {
  const data = new Float32Array(items.length * 784);
  items.forEach((item, i) => data.set(item.pixels, i * 784));
  return { input: { data, dims: [items.length, 1, 28, 28] } };
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

describe('remote engine against the reference server', () => {
  let server: ModelshipServer;
  let url: string;

  before(async () => {
    server = createServer({ modelRepository: join(ROOT, 'models', 'repository'), static: false, token: TOKEN });
    url = await server.listen(0, '127.0.0.1');
    await server.loaded;
  });
  after(() => server.close());

  const engine = (extra: Partial<RemoteConfig>) => createRemoteEngine({ url, protocol: 'v2', token: TOKEN, ...extra }, manifest);

  const configs: [string, Partial<RemoteConfig>][] = [
    ['V2, binary tensors', { protocol: 'v2', binary: true }],
    ['V2, JSON', { protocol: 'v2', binary: false }],
    ['TF Serving, columnar', { protocol: 'tfserving', tfFormat: 'columnar' }],
    ['TF Serving, row', { protocol: 'tfserving', tfFormat: 'row' }],
  ];
  for (const [name, config] of configs) {
    it(`${name}: reproduces the fp32 golden outputs and labels`, async () => {
      const remote = engine(config);
      assert.equal(remote.runtime, config.protocol === 'v2' ? 'remote-v2' : 'remote-tfserving');
      const { logits } = await remote.run(batchOf(golden));
      assert.deepEqual(logits!.dims, [golden.length, 10]);
      golden.forEach(({ label, expected }, i) => {
        const row = logits!.data.subarray(i * 10, i * 10 + 10);
        assert.equal(argmax(row), label, `golden ${i}`);
        row.forEach((v, k) => assert.ok(Math.abs(v - expected[k]!) <= fp32.tolerance, `golden ${i}[${k}]: ${v} vs ${expected[k]}`));
      });
      await remote.verify();
      assert.deepEqual(remote.health(), { circuit: 'closed', consecutiveFailures: 0 });
      await remote.dispose();
    });
  }

  it('speaks the binary tensor extension both ways when asked', async () => {
    const seen: { contentType: string | null; headerLength: string | null }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const headers = new Headers(init?.headers);
      seen.push({ contentType: headers.get('content-type'), headerLength: response.headers.get('inference-header-content-length') });
      return response;
    };
    await engine({ binary: true, fetch: recording }).run(batchOf(golden));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.contentType, 'application/octet-stream');
    assert.match(seen[0]!.headerLength ?? '', /^\d+$/, 'the server answered with a binary body');
  });

  it('runs a single digit', async () => {
    const { logits } = await engine({}).run(batchOf([golden[3]!]));
    assert.deepEqual(logits!.dims, [1, 10]);
    assert.equal(argmax(logits!.data), golden[3]!.label);
  });

  it('reports the server’s error text for a refused token, without retrying it', async () => {
    const remote = engine({ token: 'wrong' });
    await assert.rejects(remote.run(batchOf([golden[0]!])), (error: unknown) => {
      assert.ok(isModelshipError(error, 'REMOTE_HTTP'));
      assert.equal(error.details.status, 401);
      assert.match(error.message, /answered 401/);
      assert.ok(typeof error.details.serverError === 'string' && error.details.serverError.length > 0);
      return true;
    });
    // A 4xx says nothing about the server's health.
    assert.equal(remote.health().consecutiveFailures, 0);
  });

  it('verify() names an unknown model', async () => {
    await assert.rejects(engine({ model: 'no-such-model' }).verify(), (error: unknown) => {
      assert.ok(isModelshipError(error, 'REMOTE_HTTP'));
      assert.equal(error.details.status, 404);
      assert.match(error.message, /no-such-model/);
      return true;
    });
  });

  it('verify() refuses a server model that does not match the manifest', async () => {
    const other: Manifest = { ...manifest, outputs: [{ ...manifest.outputs[0]!, shape: [-1, 11] }] };
    const remote = createRemoteEngine({ url, protocol: 'v2', token: TOKEN }, other);
    await assert.rejects(remote.verify(), /outputs 'logits' has shape \[-1,10\], the manifest \[-1,11\]/);
  });

  it('refuses feeds that do not fit the manifest before sending anything', async () => {
    await assert.rejects(engine({}).run({ input: { data: new Float32Array(10), dims: [1, 1, 28, 28] } }), (error: unknown) => {
      assert.ok(isModelshipError(error, 'INPUT_INVALID'));
      assert.equal(error.details.field, 'feeds.input');
      return true;
    });
  });
});
