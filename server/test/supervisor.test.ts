import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GrpcClientError, InferenceGrpcClient } from '../src/grpc/client.js';
import { Backoff } from '../src/instances/backoff.js';
import type { ModelInstance } from '../src/instances/instance.js';
import { digit, metric, start, tempDir, type Started } from './helpers.js';
import { mnistConfig, writeMnistModel } from './repository-fixture.js';

/** Dead model instances are restarted; the requests they held fail with INSTANCE_DIED. */

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await sleep(25);
  }
}

const instanceOf = (s: Started, model: string, slot = 0): ModelInstance => s.server.repository.resolve(model, '1').instances[slot]!;

describe('instance supervisor', () => {
  it('backs off 100 ms doubling to 10 s, and starts over after 30 s up', () => {
    const b = new Backoff();
    b.started(0);
    const delays = [b.failed(10)];
    for (let i = 0; i < 9; i++) delays.push(b.failed(20 + i));
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
    b.started(1000);
    assert.equal(b.failed(1000 + 29_999), 10_000, 'up less than 30 s: still backing off');
    b.started(100_000);
    assert.equal(b.failed(130_000), 100, 'up 30 s: healthy, starts over');
  });

  it('a worker that exits mid-request: INSTANCE_DIED (REST 503, gRPC UNAVAILABLE), unready until restarted, counted', async () => {
    const tmp = tempDir('supervisor');
    writeMnistModel(tmp.dir, 'one', ['1'], mnistConfig('one', 'instance_group [ { count: 1 kind: KIND_CPU } ]'));
    writeMnistModel(tmp.dir, 'pair', ['1'], mnistConfig('pair', 'instance_group [ { count: 2 kind: KIND_CPU } ]'));
    const s = await start({ modelRepository: tmp.dir });
    const client = new InferenceGrpcClient(await s.server.listenGrpc(0, '127.0.0.1'));
    try {
      const pixels = (await digit(6)).pixels;
      const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data: Array.from(pixels) }] });
      const infer = (model: string): Promise<Response> => fetch(`${s.url}/v2/models/${model}/infer`, { method: 'POST', body });
      const ready = async (model: string): Promise<boolean> => (await fetch(`${s.url}/v2/models/${model}/ready`)).status === 200;
      assert.equal((await infer('one')).status, 200);

      // REST: the only instance exits while it holds the request.
      const first = instanceOf(s, 'one');
      first.exitOnNextRun();
      const died = await infer('one');
      assert.equal(died.status, 503);
      assert.match((await died.json()).error, /model instance running this request died: instance worker exited \(code 70\)/);
      assert.equal(first.alive, false);
      // No instance alive: unready everywhere until the supervisor's restart is up (≥ 100 ms later).
      assert.equal(await ready('one'), false);
      assert.equal((await fetch(`${s.url}/v2/health/ready`)).status, 503);
      assert.equal(await client.healthCheck('one'), 'NOT_SERVING');
      const index = (await (await fetch(`${s.url}/v2/repository/index`, { method: 'POST' })).json()) as Array<{ name: string; state: string; reason: string }>;
      assert.match(index.find((e) => e.name === 'one')!.reason, /every instance died, restarting/);
      await until('one ready again', () => ready('one'));
      assert.notEqual(instanceOf(s, 'one'), first, 'a new instance in the slot');
      assert.equal((await infer('one')).status, 200);
      assert.equal(await client.healthCheck(''), 'SERVING');

      // gRPC: the same failure is UNAVAILABLE.
      instanceOf(s, 'one').exitOnNextRun();
      const err = await client.infer('one', [{ name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28], data: pixels }]).then(
        () => assert.fail('expected UNAVAILABLE'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof GrpcClientError, String(err));
      assert.equal(err.code, 'UNAVAILABLE');
      assert.match(err.details, /instance running this request died/);
      await until('one ready after the second restart', () => ready('one'));

      // Two instances: one dies, its request fails, the other keeps the model ready and serving.
      instanceOf(s, 'pair', 0).exitOnNextRun();
      assert.equal((await infer('pair')).status, 503);
      assert.equal(await ready('pair'), true);
      assert.equal((await infer('pair')).status, 200);
      await until('pair restarted', async () => (await metric(s.url, 'modelship_instance_restarts_total', { model: 'pair' })) === 1);

      assert.equal(await metric(s.url, 'modelship_instance_deaths_total', { model: 'one', version: '1' }), 2);
      assert.equal(await metric(s.url, 'modelship_instance_restarts_total', { model: 'one', version: '1' }), 2);
      assert.equal(await metric(s.url, 'modelship_instance_deaths_total', { model: 'pair', version: '1' }), 1);
      assert.equal(s.server.repository.resolve('pair', '1').instances.filter((i) => i.alive).length, 2);
    } finally {
      client.close();
      await s.close();
      tmp.remove();
    }
  });

  it('an unloaded version is not restarted', async () => {
    const tmp = tempDir('supervisor-unload');
    writeMnistModel(tmp.dir, 'gone', ['1'], mnistConfig('gone', 'instance_group [ { count: 1 kind: KIND_CPU } ]'));
    const s = await start({ modelRepository: tmp.dir });
    try {
      const version = s.server.repository.resolve('gone', '1');
      version.instances[0]!.exitOnNextRun();
      const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data: Array.from((await digit(1)).pixels) }] });
      assert.equal((await fetch(`${s.url}/v2/models/gone/infer`, { method: 'POST', body })).status, 503);
      assert.equal((await fetch(`${s.url}/v2/repository/models/gone/unload`, { method: 'POST' })).status, 200);
      await sleep(1500);
      assert.equal(version.state, 'unloaded');
      assert.deepEqual(version.instances, [], 'no instance was put back');
      assert.equal(await metric(s.url, 'modelship_instance_restarts_total', { model: 'gone' }), 0);
    } finally {
      await s.close();
      tmp.remove();
    }
  });
});
