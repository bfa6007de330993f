import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from '../src/index.js';
import { argmax, digit, jsonInfer, start, tempDir } from './helpers.js';
import { mnistConfig, writeMnistModel } from './repository-fixture.js';

const DURATION = ['count', 'ns'];
const INFERENCE_STATS = ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output', 'cache_hit', 'cache_miss'];

async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe("Triton's statistics extension", () => {
  it('reports per-version counts and durations in Triton\'s format', async () => {
    const s = await start();
    try {
      const digits = await Promise.all([0, 1, 2, 3, 4, 5].map((d) => digit(d)));
      const answers = await Promise.all(digits.map((d) => fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer([d.pixels]) })));
      assert.ok(answers.every((r) => r.status === 200));
      const batch3 = await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer(digits.slice(0, 3).map((d) => d.pixels)) });
      assert.equal(batch3.status, 200);
      assert.equal((await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: '{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,2]}]}' })).status, 400);

      const all = await (await fetch(`${s.url}/v2/models/stats`)).json();
      assert.deepEqual(all.model_stats.map((m: { name: string; version: string }) => `${m.name}/${m.version}`).sort(), ['mnist/1', 'mnist_int8/1']);
      const one = await (await fetch(`${s.url}/v2/models/mnist/versions/1/stats`)).json();
      assert.deepEqual(await (await fetch(`${s.url}/v2/models/mnist/stats`)).json(), one);
      const m = one.model_stats[0];
      assert.deepEqual(Object.keys(m), ['name', 'version', 'last_inference', 'inference_count', 'execution_count', 'inference_stats', 'response_stats', 'batch_stats', 'memory_usage']);
      assert.deepEqual(Object.keys(m.inference_stats), INFERENCE_STATS);
      for (const k of INFERENCE_STATS) assert.deepEqual(Object.keys(m.inference_stats[k]), DURATION);
      assert.equal(m.inference_count, 9, 'a batch of 3 counts 3');
      assert.equal(m.inference_stats.success.count, 7);
      assert.equal(m.inference_stats.fail.count, 1);
      assert.equal(m.inference_stats.queue.count, 7);
      assert.equal(m.inference_stats.compute_infer.count, 7);
      for (const k of ['success', 'queue', 'compute_input', 'compute_infer', 'compute_output']) assert.ok(m.inference_stats[k].ns > 0, `${k}.ns`);
      assert.ok(m.execution_count >= 2 && m.execution_count <= 7);
      const executions = m.batch_stats.reduce((n: number, b: { compute_infer: { count: number } }) => n + b.compute_infer.count, 0);
      assert.equal(executions, m.execution_count);
      for (const b of m.batch_stats) assert.deepEqual(Object.keys(b), ['batch_size', 'compute_input', 'compute_infer', 'compute_output']);
      assert.ok(Math.abs(m.last_inference - Date.now()) < 60_000, 'milliseconds since the epoch');
      assert.equal((await fetch(`${s.url}/v2/models/nope/stats`)).status, 404);
      assert.equal((await fetch(`${s.url}/v2/models/mnist/versions/9/stats`)).status, 404);
      assert.deepEqual((await (await fetch(`${s.url}/v2`)).json()).extensions, ['binary_tensor_data', 'statistics', 'model_repository']);
    } finally {
      await s.close();
    }
  });
});

describe("Triton's model repository extension", () => {
  it('indexes, unloads and loads models', async () => {
    const tmp = tempDir('repo-api');
    writeMnistModel(tmp.dir, 'a', ['1']);
    writeMnistModel(tmp.dir, 'b', ['1', '2']);
    const s = await start({ modelRepository: tmp.dir });
    try {
      const index = async (ready?: boolean): Promise<unknown> =>
        (await fetch(`${s.url}/v2/repository/index`, { method: 'POST', body: ready === undefined ? '' : JSON.stringify({ ready }) })).json();
      assert.deepEqual(await index(), [
        { name: 'a', version: '1', state: 'READY', reason: '' },
        { name: 'b', version: '1', state: 'READY', reason: '' },
        { name: 'b', version: '2', state: 'READY', reason: '' },
      ]);
      const unload = await fetch(`${s.url}/v2/repository/models/b/unload`, { method: 'POST' });
      assert.equal(unload.status, 200);
      assert.equal((await fetch(`${s.url}/v2/models/b/ready`)).status, 404);
      assert.deepEqual(await index(), [{ name: 'a', version: '1', state: 'READY', reason: '' }, { name: 'b', state: 'UNAVAILABLE', reason: 'unloaded' }]);
      assert.deepEqual(await index(true), [{ name: 'a', version: '1', state: 'READY', reason: '' }]);
      assert.equal((await fetch(`${s.url}/v2/health/ready`)).status, 200, 'an unloaded model does not make the server unready');
      assert.equal((await fetch(`${s.url}/v2/repository/models/b/load`, { method: 'POST', body: '{}' })).status, 200);
      const seven = await digit(7);
      const res = await (await fetch(`${s.url}/v2/models/b/infer`, { method: 'POST', body: jsonInfer([seven.pixels]) })).json();
      assert.equal(res.model_version, '2');
      assert.equal(argmax(res.outputs[0].data), 7);
      const missing = await fetch(`${s.url}/v2/repository/models/zzz/load`, { method: 'POST' });
      assert.equal(missing.status, 400);
      assert.match((await missing.json()).error, /failed to load 'zzz'/);
      assert.equal((await fetch(`${s.url}/v2/repository/models/..%2Fx/load`, { method: 'POST' })).status, 400);
      const override = await fetch(`${s.url}/v2/repository/models/a/load`, { method: 'POST', body: JSON.stringify({ parameters: { config: '{}' } }) });
      assert.equal(override.status, 400);
      assert.equal((await fetch(`${s.url}/v2/repository/index`)).status, 405);
    } finally {
      await s.close();
      tmp.remove();
    }
  });

  it('polling picks up a new version folder and a config change; an in-flight request finishes on its version', async () => {
    const tmp = tempDir('repo-poll');
    // A 6 s queue delay holds a lone request in flight while the model is reloaded under it (loading the new
    // version's instance thread can take seconds on a loaded machine).
    const slow = mnistConfig('m', 'instance_group [ { count: 1 kind: KIND_CPU } ]', [[/max_queue_delay_microseconds: 0/, 'max_queue_delay_microseconds: 6000000']]);
    writeMnistModel(tmp.dir, 'm', ['1'], slow);
    const s = await start({ modelRepository: tmp.dir, repositoryPollSecs: 0.3 });
    try {
      const three = await digit(3);
      const old = s.server.repository.resolve('m', '1');
      const inFlight = fetch(`${s.url}/v2/models/m/infer`, { method: 'POST', body: jsonInfer([three.pixels]) });
      await sleep(100);
      writeFileSync(join(tmp.dir, 'm', 'config.pbtxt'), mnistConfig('m', 'instance_group [ { count: 1 kind: KIND_CPU } ]'));
      await waitFor('the config change', async () => s.server.repository.resolve('m', '1') !== old);
      assert.equal(old.state, 'unloading', 'the old version waits for its in-flight request');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(argmax((await res.json()).outputs[0].data), 3);
      await waitFor('the old version to be released', async () => old.state === 'unloaded');
      assert.equal(old.instances.length, 0);

      writeMnistModel(tmp.dir, 'm', ['2'], mnistConfig('m', 'instance_group [ { count: 1 kind: KIND_CPU } ]'));
      await waitFor('version 2', async () => (await (await fetch(`${s.url}/v2/models/m`)).json()).versions.join() === '1,2');
      const latest = await (await fetch(`${s.url}/v2/models/m/infer`, { method: 'POST', body: jsonInfer([three.pixels]) })).json();
      assert.equal(latest.model_version, '2');
      assert.equal(s.server.repository.resolve('m', '1').state, 'ready', 'an unchanged version keeps serving untouched');
    } finally {
      await s.close();
      tmp.remove();
    }
  });
});

describe('model_warmup', () => {
  it('is not ready until every instance ran its warm-up samples; a failing warm-up leaves it unready with the reason', async () => {
    const tmp = tempDir('warmup');
    const sample = (file?: string): string => `model_warmup [ { name: "w" batch_size: 64 count: 40 inputs { key: "input" value { data_type: TYPE_FP32 dims: [ 1, 28, 28 ] ${file ? `input_data_file: "${file}"` : 'zero_data: true'} } } } ]`;
    writeMnistModel(tmp.dir, 'warm', ['1'], mnistConfig('warm', sample()));
    writeMnistModel(tmp.dir, 'cold', ['1'], mnistConfig('cold', sample('missing.bin')));
    const server = createServer({ modelRepository: tmp.dir, static: false });
    try {
      const url = await server.listen(0, '127.0.0.1');
      const seen = new Set<number>();
      let loaded = false;
      void server.loaded.then(() => (loaded = true));
      while (!loaded) {
        seen.add((await fetch(`${url}/v2/models/warm/ready`)).status);
        await sleep(20);
      }
      assert.ok(seen.has(503), 'not ready while warming up');
      assert.equal((await fetch(`${url}/v2/models/warm/ready`)).status, 200);
      const cold = await fetch(`${url}/v2/models/cold/ready`);
      assert.equal(cold.status, 503);
      const reason = (await (await fetch(`${url}/v2/repository/index`, { method: 'POST' })).json()).find((e: { name: string }) => e.name === 'cold').reason;
      assert.match(reason, /model_warmup "w".*missing\.bin|missing\.bin/);
      const stats = (await (await fetch(`${url}/v2/models/warm/stats`)).json()).model_stats[0];
      assert.equal(stats.execution_count, 0, 'warm-up runs are not counted as inferences (as in Triton)');
    } finally {
      await server.close();
      tmp.remove();
    }
  });
});
