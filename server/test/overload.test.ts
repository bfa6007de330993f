import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { digit, jsonInfer, metric, start, tempDir } from './helpers.js';
import { mnistConfig, writeMnistModel } from './repository-fixture.js';

/**
 * Sends a raw HTTP request whose body is `bodyBytes` long, written in 64 KiB chunks as fast as the
 * socket takes them, and returns everything the server sent back (or the socket error).
 */
function rawUpload(
  url: string,
  path: string,
  bodyBytes: number,
  opts: { chunked?: boolean; holdBodyMs?: number } = {},
): Promise<{ response: string; error?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let response = '';
    let error: string | undefined;
    socket.on('data', (c: Buffer) => (response += c.toString('latin1')));
    socket.on('error', (e) => (error = e.message));
    socket.on('close', () => resolve({ response, error }));
    socket.on('connect', async () => {
      const length = opts.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${bodyBytes}`;
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${length}\r\n\r\n`);
      if (opts.holdBodyMs) await sleep(opts.holdBodyMs);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let sent = 0; sent < bodyBytes && !socket.destroyed; sent += chunk.length) {
        const part = opts.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
        if (!socket.write(part)) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
      if (opts.chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      if (!socket.destroyed) socket.end();
    });
  });
}

describe('overload control and hostile bodies', () => {
  it('answers 413 to a client still streaming an oversized body (lingering close), declared or chunked', async () => {
    const s = await start({ maxBodyBytes: 256 * 1024 });
    try {
      // fetch fails the whole call when a body write hits a reset socket, as most clients do.
      const stream = (): ReadableStream<Uint8Array> => {
        let left = 64;
        return new ReadableStream({
          pull(c) {
            if (left-- === 0) return c.close();
            c.enqueue(new Uint8Array(128 * 1024).fill(0x20));
          },
        });
      };
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: stream(), duplex: 'half' } as RequestInit);
        assert.equal(res.status, 413, `try ${i}`);
        assert.match((await res.json()).error, /exceeds the maximum allowed value of 262144 bytes/);
      }
      for (const chunked of [false, true]) {
        const r = await rawUpload(s.url, '/v2/models/mnist/infer', 8 * 1024 * 1024, { chunked });
        assert.match(r.response, /^HTTP\/1\.1 413 /, `chunked=${chunked}: got ${JSON.stringify(r.response.slice(0, 40))} error ${r.error}`);
        assert.equal(r.error, undefined, 'the client could write its whole body without a reset');
      }
    } finally {
      await s.close();
    }
  });

  it('caps the bytes of bodies buffered at once: 503 + Retry-After past it, released when answered', async () => {
    const s = await start({ maxBodyBytes: 1024 * 1024, maxBufferedBodyBytes: 1024 * 1024, retryAfterSeconds: 2 });
    try {
      // The first upload holds 700 KiB of the budget while its body trickles in.
      const first = rawUpload(s.url, '/v2/models/mnist/infer', 700 * 1024, { holdBodyMs: 1500 });
      await sleep(300);
      const second = await rawUpload(s.url, '/v2/models/mnist/infer', 700 * 1024);
      assert.match(second.response, /^HTTP\/1\.1 503 /);
      assert.match(second.response, /\r\nRetry-After: 2\r\n/i);
      assert.match(second.response, /buffering too many request bytes/);
      const chunked = await rawUpload(s.url, '/v2/models/mnist/infer', 700 * 1024, { chunked: true });
      assert.match(chunked.response, /^HTTP\/1\.1 503 /, 'a chunked body is counted as it streams');
      assert.match((await first).response, /^HTTP\/1\.1 400 /, 'the first upload was read (and is not JSON)');
      const ok = await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer([(await digit(1)).pixels]) });
      assert.equal(ok.status, 200, 'the budget was released');
      assert.equal(await metric(s.url, 'modelship_overload_rejections_total', { cause: 'body_memory' }), 2);
      assert.equal(await metric(s.url, 'modelship_buffered_request_bytes'), 0);
    } finally {
      await s.close();
    }
  });

  it('400, not 500, for JSON nested 200,000 deep on V2 and TF Serving', async () => {
    const s = await start();
    try {
      const deep = `{"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"FP32","data":${'['.repeat(200_000)}${']'.repeat(200_000)}}]}`;
      for (const path of ['/v2/models/mnist/infer', '/v1/models/mnist:predict']) {
        const body = path.startsWith('/v1') ? `{"instances":${'['.repeat(200_000)}${']'.repeat(200_000)}}` : deep;
        const res = await fetch(`${s.url}${path}`, { method: 'POST', body });
        assert.equal(res.status, 400, path);
        assert.match((await res.json()).error, /nested deeper than 64 levels/);
      }
      // Brackets inside strings do not count.
      const inString = JSON.stringify({
        id: '['.repeat(1000),
        inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data: new Array(784).fill(0) }],
      });
      assert.equal((await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: inString })).status, 200);
    } finally {
      await s.close();
    }
  });

  it('400 naming the input for a value out of range of its datatype (FP32 overflow 1e39)', async () => {
    const s = await start();
    try {
      const data = new Array(784).fill(0);
      data[5] = 1e39;
      const res = await fetch(`${s.url}/v2/models/mnist/infer`, {
        method: 'POST',
        body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data }] }),
      });
      assert.equal(res.status, 400);
      assert.match((await res.json()).error, /input 'input': element 5 \(1e\+39\) is out of range for FP32/);
      const tf = await fetch(`${s.url}/v1/models/mnist:predict`, {
        method: 'POST',
        body: JSON.stringify({ instances: [[[data.slice(0, 28), ...Array.from({ length: 27 }, () => new Array(28).fill(0))]]] }),
      });
      assert.equal(tf.status, 400);
      assert.match((await tf.json()).error, /input 'input'.*out of range for FP32/);
    } finally {
      await s.close();
    }
  });

  it('max_queue_size and the queue timeout answer 503 + Retry-After, counted in metrics with the pending count', async () => {
    const tmp = tempDir('queue');
    // One instance and a 400 ms batching delay: requests wait in the queue, where the policy applies.
    const queued = (name: string, policy: string): void =>
      writeMnistModel(
        tmp.dir,
        name,
        ['1'],
        mnistConfig(name, 'instance_group [ { count: 1 kind: KIND_CPU } ]', [
          [/dynamic_batching \{[^}]*\}/, `dynamic_batching { max_queue_delay_microseconds: 400000 default_queue_policy { ${policy} } }`],
        ]),
      );
    queued('full', 'max_queue_size: 2');
    queued('reject', 'default_timeout_microseconds: 50000 timeout_action: REJECT');
    queued('delay', 'default_timeout_microseconds: 50000 timeout_action: DELAY');
    const s = await start({ modelRepository: tmp.dir, retryAfterSeconds: 3 });
    try {
      const body = jsonInfer([(await digit(4)).pixels]);
      const post = (name: string): Promise<Response> => fetch(`${s.url}/v2/models/${name}/infer`, { method: 'POST', body });
      const waiting = [post('full'), post('full')];
      await sleep(150);
      assert.equal(await metric(s.url, 'nv_inference_pending_request_count', { model: 'full' }), 2);
      const refused = await post('full');
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '3');
      assert.match((await refused.json()).error, /queue of this model is full \(max_queue_size 2\)/);
      assert.deepEqual(
        (await Promise.all(waiting)).map((r) => r.status),
        [200, 200],
      );
      assert.equal(await metric(s.url, 'nv_inference_pending_request_count', { model: 'full' }), 0);

      const timedOut = await post('reject');
      assert.equal(timedOut.status, 503);
      assert.equal(timedOut.headers.get('retry-after'), '3');
      assert.equal((await post('delay')).status, 200, 'DELAY runs the request late instead');

      assert.equal(await metric(s.url, 'modelship_overload_rejections_total', { cause: 'queue_full' }), 1);
      assert.equal(await metric(s.url, 'modelship_overload_rejections_total', { cause: 'queue_timeout' }), 1);
      assert.equal(await metric(s.url, 'nv_inference_request_failure', { model: 'full', reason: 'REJECTED' }), 1);
      const stats = (await (await fetch(`${s.url}/v2/models/full/stats`)).json()).model_stats[0];
      assert.equal(stats.inference_stats.fail.count, 1);
      assert.equal(stats.inference_stats.success.count, 2);
    } finally {
      await s.close();
      tmp.remove();
    }
  });
});
