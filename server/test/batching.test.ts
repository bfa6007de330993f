import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { DynamicBatcher } from '../src/batcher.js';
import { NO_QUEUE_POLICY } from '../src/config-scheduling.js';
import type { Tensor } from '../src/executor.js';
import { ModelInstance } from '../src/instances/instance.js';
import { argmax, digit, jsonInfer, MNIST_DIR, metric, start } from './helpers.js';

const N = 24;

async function fireConcurrently(url: string): Promise<number[]> {
  const digits = await Promise.all(Array.from({ length: N }, (_, i) => digit(i % 10, Math.floor(i / 10))));
  const responses = await Promise.all(
    digits.map((d) => fetch(`${url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer([d.pixels], { id: `r${d.label}` }) })),
  );
  const labels: number[] = [];
  for (const [i, res] of responses.entries()) {
    assert.equal(res.status, 200);
    const json = await res.json();
    // Each response carries its own request's id and result after the batch is split back.
    assert.equal(json.id, `r${digits[i]!.label}`);
    assert.deepEqual(json.outputs[0].shape, [1, 10]);
    labels.push(argmax(json.outputs[0].data));
  }
  const correct = labels.filter((l, i) => l === digits[i]!.label).length;
  assert.ok(correct >= N - 2, `only ${correct}/${N} correct`);
  return labels;
}

describe('dynamic batching', () => {
  it('coalesces concurrent requests into fewer session runs', async () => {
    const s = await start({ batching: true, maxQueueDelayUs: 20_000 });
    try {
      await fireConcurrently(s.url);
      const labels = { model: 'mnist', version: '1' };
      const count = await metric(s.url, 'nv_inference_count', labels);
      const execs = await metric(s.url, 'nv_inference_exec_count', labels);
      assert.equal(count, N);
      assert.ok(execs < count, `expected fewer executions than inferences, got ${execs} for ${count}`);
      assert.equal(await metric(s.url, 'nv_inference_request_success', labels), N);
      assert.ok((await metric(s.url, 'nv_inference_queue_duration_us', labels)) > 0);
      assert.ok((await metric(s.url, 'nv_inference_compute_infer_duration_us', labels)) > 0);
      assert.ok((await metric(s.url, 'nv_inference_request_duration_us', labels)) > 0);
      const text = await (await fetch(`${s.url}/metrics`)).text();
      assert.match(text, /modelship_request_duration_seconds_bucket\{/);
      assert.match(text, /# TYPE nv_inference_count counter/);
    } finally {
      await s.close();
    }
  });

  it('runs one session per request when batching is off', async () => {
    const s = await start({ batching: false });
    try {
      await fireConcurrently(s.url);
      const labels = { model: 'mnist', version: '1' };
      assert.equal(await metric(s.url, 'nv_inference_exec_count', labels), N);
      assert.equal(await metric(s.url, 'nv_inference_count', labels), N);
    } finally {
      await s.close();
    }
  });

  it('counts failures per model', async () => {
    const s = await start();
    try {
      const res = await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: '{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,2]}]}' });
      assert.equal(res.status, 400);
      assert.equal(await metric(s.url, 'nv_inference_request_failure', { model: 'mnist', version: '1' }), 1);
    } finally {
      await s.close();
    }
  });

  it('waits a sub-millisecond max_queue_delay as configured, not a whole timer tick', async () => {
    const instance = await ModelInstance.start({ modelPath: join(MNIST_DIR, '1', 'model.onnx'), graphOptimizationLevel: 'all', intraOpNumThreads: 1, nice: 0 });
    const batcher = new DynamicBatcher([instance], { coalesce: true, maxBatchSize: 64, maxQueueDelayUs: 300, preferredBatchSizes: [], queuePolicy: NO_QUEUE_POLICY, retryAfterSeconds: 1 }, () => {});
    try {
      const d = await digit(7);
      const input = (): Tensor => ({ name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28], data: d.pixels.slice() });
      const waits: number[] = [];
      for (let i = 0; i < 15; i++) waits.push((await batcher.infer([input()], 1, performance.now() + 5000)).queueNs / 1000);
      waits.sort((a, b) => a - b);
      assert.ok(waits[0]! >= 300, `a lone request must wait the whole delay, waited ${waits[0]} µs`);
      // Node's setTimeout would make every wait >= 1000 µs.
      assert.ok(waits[7]! < 900, `median wait ${waits[7]} µs for a 300 µs delay`);
    } finally {
      await batcher.drain();
      await instance.release();
    }
  });
});
