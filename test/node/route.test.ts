import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { loadModel } from '../../src/load/load-model.js';
import type { Manifest } from '../../src/manifest/types.js';
import { decodeGoldenInputs } from '../../src/proof/golden.js';
import { decideRoute } from '../../src/route/route-policy.js';
import { createServer, PACKAGE_ROOT } from '../../server/src/index.js';
import type { LoadOptions } from '../../src/types.js';
import { serveMnist, WASM_PATHS } from './helpers/static-models.js';

const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const golden = decodeGoldenInputs(manifest);
const digit = (i: number): Float32Array => golden.slice(i * 784, (i + 1) * 784);
const WEAK = { webgpu: { available: false }, wasm: { simd: false, threads: false } } as const;

/** The real reference server on a fixed port, so it can be stopped and started again on the same URL. */
async function referenceServer(port = 0) {
  const server = createServer({ modelRepository: join(PACKAGE_ROOT, 'models', 'repository'), static: false });
  const url = await server.listen(port, '127.0.0.1');
  await server.loaded;
  return { url, port: Number(new URL(url).port), close: () => server.close() };
}

async function withModels<T>(work: (manifestUrl: string) => Promise<T>, broken = false): Promise<T> {
  const models = broken ? await serveBrokenFp32() : await serveMnist();
  try {
    return await work(`${models.url}/models/mnist/manifest.json`);
  } finally {
    await models.close();
  }
}

/** fp32 points at bytes that verify (right size and hash) but are no ONNX model: the runtime itself fails. */
async function serveBrokenFp32() {
  const garbage = new TextEncoder().encode('this is not an onnx model '.repeat(40));
  const sha256 = createHash('sha256').update(garbage).digest('hex');
  return serveMnist((m) => {
    const fp32 = m.variants.find((v) => v.id === 'fp32')!;
    fp32.files = [{ path: 'broken.onnx', bytes: garbage.length, sha256 }];
  }, { 'broken.onnx': garbage });
}

/** A reference server for inference and a model host, both closed whatever the test does. */
async function withServerAndModels(work: (server: { url: string }, manifestUrl: string) => Promise<void>, broken = false): Promise<void> {
  const server = await referenceServer();
  try {
    await withModels((url) => work(server, url), broken);
  } finally {
    await server.close();
  }
}

const base = (extra: LoadOptions): LoadOptions => ({ worker: false, wasmPaths: WASM_PATHS, cache: 'memory', ...extra });

describe('route policy', () => {
  it('never goes remote without a configured endpoint, and says why it goes remote', () => {
    assert.deepEqual(decideRoute('auto', { hasRemote: false, hasLocal: true, weakReason: 'slow' }), {
      first: 'local',
      fallback: undefined,
      reason: 'auto: this device can run the model',
    });
    assert.equal(decideRoute('auto', { hasRemote: true, hasLocal: true, weakReason: 'no SIMD' }).first, 'remote');
    assert.equal(decideRoute('auto', { hasRemote: true, hasLocal: true }).fallback, 'remote');
    assert.equal(decideRoute('prefer-remote', { hasRemote: true, hasLocal: true }).fallback, 'local');
    assert.equal(decideRoute('local', { hasRemote: true, hasLocal: true }).fallback, undefined);
    assert.throws(() => decideRoute('remote', { hasRemote: false, hasLocal: true }), (e) => isModelshipError(e, 'INPUT_INVALID') && e.details['field'] === 'options.remote');
    assert.throws(() => decideRoute('sideways' as never, { hasRemote: true, hasLocal: true }), (e) => isModelshipError(e, 'INPUT_INVALID'));
  });
});

describe('remote fallback against the real reference server', () => {
  it('a weak device goes remote in auto and gets the same labels as local, with the same result shape', async () => {
    await withServerAndModels(async (server, url) => {
      const remote = await loadModel(url, base({ device: WEAK, remote: { url: server.url, protocol: 'v2' } }));
      const local = await loadModel(url, base({ variant: 'fp32' }));
      assert.equal(remote.info().route, 'remote');
      assert.match(remote.info().reason, /no WebGPU and no WebAssembly SIMD/);
      for (let i = 0; i < manifest.golden.length; i++) {
        const [a, b] = [await remote.predict(digit(i)), await local.predict(digit(i))];
        assert.equal(a.route, 'remote');
        assert.equal(a.runtime, 'remote-v2');
        assert.equal(a.label, b.label);
        assert.ok(a.scores.every((score, k) => Math.abs(score - b.scores[k]!) < 1e-3));
        assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
      }
      const batch = await remote.predictBatch([digit(0), digit(1)]);
      assert.deepEqual(batch.map((p) => p.index), [manifest.golden[0]!.label, manifest.golden[1]!.label]);
      await Promise.all([remote.dispose(), local.dispose()]);
    });
  });

  it('TF Serving REST answers the same way', async () => {
    await withServerAndModels(async (server, url) => {
      const model = await loadModel(url, base({ route: 'remote', remote: { url: server.url, protocol: 'tfserving' } }));
      assert.equal((await model.predict(digit(2))).index, manifest.golden[2]!.label);
      assert.equal(model.info().runtime, 'remote-tfserving');
      await model.dispose();
    });
  });

  it('a broken local backend falls back to the remote, saying why', async () => {
    await withServerAndModels(async (server, url) => {
      const fallbacks: string[] = [];
      const model = await loadModel(
        url,
        base({
          remote: { url: server.url, protocol: 'v2' },
          variant: 'fp32',
          onFallback: (event) => fallbacks.push(`${event.from} -> ${event.to}: ${event.reason}`),
        }),
      );
      assert.equal(model.info().route, 'remote');
      assert.ok(fallbacks.some((line) => line.startsWith('local -> remote')), fallbacks.join('\n'));
      assert.equal((await model.predict(digit(3))).route, 'remote');
      await model.dispose();
    }, true);
  });

  it('a server stopped mid-session sends predictions to local; the circuit opens, then closes when it is back', async () => {
    let server = await referenceServer();
    const port = server.port;
    try {
      await withModels(async (url) => {
        const fallbacks: string[] = [];
        const model = await loadModel(
          url,
          base({
            route: 'prefer-remote',
            remote: { url: server.url, protocol: 'v2', retries: 0, timeoutMs: 2000, circuit: { failureThreshold: 2, halfOpenAfterMs: 400 } },
            onFallback: (event) => fallbacks.push(event.reason),
          }),
        );
        assert.equal((await model.predict(digit(0))).route, 'remote');
        await server.close();
        for (let i = 0; i < 3; i++) {
          const answer = await model.predict(digit(i));
          assert.equal(answer.route, 'local');
          assert.equal(answer.index, manifest.golden[i]!.label);
        }
        assert.equal(model.info().remote?.health?.circuit, 'open');
        assert.ok(fallbacks.some((reason) => reason.includes('circuit is open')), fallbacks.join('\n'));

        server = await referenceServer(port);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const back = await model.predict(digit(4));
        assert.equal(back.route, 'remote');
        assert.equal(model.info().remote?.health?.circuit, 'closed');
        await model.dispose();
      });
    } finally {
      await server.close();
    }
  });

  it('a measured local latency over the budget sends auto to the remote and keeps local as the fallback', async () => {
    await withServerAndModels(async (server, url) => {
      const model = await loadModel(url, base({ remote: { url: server.url, protocol: 'v2' }, latencyBudgetMs: 0.000001 }));
      assert.equal(model.info().route, 'remote');
      assert.match(model.info().reason, /over the 0.000001 ms budget/);
      assert.equal(model.info().fallbackRoute, 'local');
      await model.dispose();
    });
  });

  it('nothing leaves the device without a configured endpoint, even when the manifest names one', async () => {
    await withModels(async (url) => {
      await assert.rejects(loadModel(url, base({ route: 'remote' })), (e) => isModelshipError(e, 'INPUT_INVALID'));
      const model = await loadModel(url, base({ device: WEAK, backends: ['onnx-wasm'] })).catch((error: unknown) => error);
      assert.ok(isModelshipError(model, 'BACKEND_UNAVAILABLE'), String(model));
      assert.match((model as Error).message, /needs WebAssembly SIMD/);
    });
  });
});
