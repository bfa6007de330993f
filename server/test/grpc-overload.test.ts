import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InferenceGrpcClient, type InferInput } from '../src/grpc/client.js';
import { digit, metric, start, tempDir, grpcFailure } from './helpers.js';
import { mnistConfig, writeMnistModel } from './repository-fixture.js';

/** gRPC ModelInfer goes through the same admission as REST: queue policy, byte budget, metrics. */

const input = (pixels: Float32Array[]): InferInput => {
  const data = new Float32Array(pixels.length * 784);
  pixels.forEach((p, i) => data.set(p, i * 784));
  return { name: 'input', datatype: 'FP32', shape: [pixels.length, 1, 28, 28], data };
};

describe('gRPC overload control', () => {
  it('a full queue answers UNAVAILABLE with retry-after, counted like REST (pending count too)', async () => {
    const tmp = tempDir('grpc-queue');
    // One instance and a 1.5 s batching delay: requests wait in the queue, where the policy applies, for longer
    // than the checks below take on a loaded machine (with 400 ms the queue had drained before the last one, once
    // in a full `npm test`).
    writeMnistModel(
      tmp.dir,
      'full',
      ['1'],
      mnistConfig('full', 'instance_group [ { count: 1 kind: KIND_CPU } ]', [
        [/dynamic_batching \{[^}]*\}/, 'dynamic_batching { max_queue_delay_microseconds: 1500000 default_queue_policy { max_queue_size: 2 } }'],
      ]),
    );
    const s = await start({ modelRepository: tmp.dir, retryAfterSeconds: 3 });
    const client = new InferenceGrpcClient(await s.server.listenGrpc(0, '127.0.0.1'));
    try {
      const x = input([(await digit(4)).pixels]);
      const waiting = [client.infer('full', [x]), client.infer('full', [x])];
      await sleep(150);
      assert.equal(await metric(s.url, 'nv_inference_pending_request_count', { model: 'full' }), 2);
      const refused = await grpcFailure(client.infer('full', [x]));
      assert.equal(refused.code, 'UNAVAILABLE');
      assert.equal(refused.metadata['retry-after'], '3');
      assert.match(refused.details, /queue of this model is full \(max_queue_size 2\)/);
      // Admission comes before any decoding: a malformed tensor is refused for the full queue, not checked.
      const malformed = await grpcFailure(client.infer('full', [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) }]));
      assert.equal(malformed.code, 'UNAVAILABLE');
      assert.deepEqual((await Promise.all(waiting)).map((r) => r.outputs[0]!.shape), [[1, 10], [1, 10]]);
      assert.equal(await metric(s.url, 'nv_inference_pending_request_count', { model: 'full' }), 0);
      assert.equal(await metric(s.url, 'modelship_overload_rejections_total', { cause: 'queue_full' }), 2);
      assert.equal(await metric(s.url, 'nv_inference_request_failure', { model: 'full', reason: 'REJECTED' }), 2);
      assert.equal(await metric(s.url, 'modelship_grpc_requests_total', { method: 'ModelInfer', code: 'UNAVAILABLE' }), 2);
      const stats = (await (await fetch(`${s.url}/v2/models/full/stats`)).json()).model_stats[0];
      assert.equal(stats.inference_stats.fail.count, 2);
      assert.equal(stats.inference_stats.success.count, 2);
    } finally {
      client.close();
      await s.close();
      tmp.remove();
    }
  });

  it('past the shared budget of request bytes answers RESOURCE_EXHAUSTED with retry-after, and releases it', async () => {
    // 64 digits are ~200 KB on the wire: within the message limit, past a 128 KiB budget.
    const s = await start({ maxBodyBytes: 1024 * 1024, maxBufferedBodyBytes: 128 * 1024, retryAfterSeconds: 2 });
    const client = new InferenceGrpcClient(await s.server.listenGrpc(0, '127.0.0.1'));
    try {
      const d = (await digit(7)).pixels;
      const big = await grpcFailure(client.infer('mnist', [input(Array.from({ length: 64 }, () => d))]));
      assert.equal(big.code, 'RESOURCE_EXHAUSTED');
      assert.equal(big.metadata['retry-after'], '2');
      assert.match(big.details, /holding too many request bytes \(cap 131072\)/);
      // Small requests fit, concurrently, and the budget is back to zero once they are answered.
      const small = await Promise.all(Array.from({ length: 8 }, () => client.infer('mnist', [input([d])])));
      assert.ok(small.every((r) => r.outputs[0]!.shape[1] === 10));
      assert.equal(await metric(s.url, 'modelship_overload_rejections_total', { cause: 'body_memory' }), 1);
      assert.equal(await metric(s.url, 'modelship_grpc_requests_total', { method: 'ModelInfer', code: 'RESOURCE_EXHAUSTED' }), 1);
      assert.equal(await metric(s.url, 'modelship_buffered_request_bytes'), 0);
    } finally {
      client.close();
      await s.close();
    }
  });

  it('a REST upload holding the budget makes a gRPC call wait its turn (one budget for both front ends)', async () => {
    const s = await start({ maxBodyBytes: 1024 * 1024, maxBufferedBodyBytes: 256 * 1024, retryAfterSeconds: 1 });
    const client = new InferenceGrpcClient(await s.server.listenGrpc(0, '127.0.0.1'));
    const { hostname, port } = new URL(s.url);
    const { connect } = await import('node:net');
    const socket = connect(Number(port), hostname);
    try {
      // A declared 200 KiB body reserves its bytes at once and holds them while it does not arrive.
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`POST /v2/models/mnist/infer HTTP/1.1\r\nHost: x\r\nContent-Length: ${200 * 1024}\r\n\r\n`);
      await sleep(200);
      assert.equal(await metric(s.url, 'modelship_buffered_request_bytes'), 200 * 1024);
      const d = (await digit(2)).pixels;
      const err = await grpcFailure(client.infer('mnist', [input(Array.from({ length: 32 }, () => d))]));
      assert.equal(err.code, 'RESOURCE_EXHAUSTED');
      assert.equal((await client.infer('mnist', [input([d])])).outputs[0]!.shape[1], 10, 'a small call still fits');
    } finally {
      socket.destroy();
      client.close();
      await s.close();
    }
  });
});
