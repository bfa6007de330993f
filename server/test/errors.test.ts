import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { binaryBody, bytesOf, digit, jsonInfer, MNIST_DIR, start, tempDir, type Started } from './helpers.js';

async function expectError(res: Response, status: number, pattern?: RegExp): Promise<string> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = await res.json();
  assert.equal(typeof body.error, 'string');
  assert.deepEqual(Object.keys(body), ['error']);
  if (pattern) assert.match(body.error, pattern);
  return body.error as string;
}

describe('protocol errors', () => {
  let s: Started;
  let pixels: Float32Array;
  before(async () => {
    s = await start({ maxBodyBytes: 1024 * 1024, maxBatchSize: 16 });
    pixels = (await digit(0)).pixels;
  });
  after(() => s.close());

  const post = (path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${s.url}${path}`, { method: 'POST', body, headers });
  const input = (shape: number[], datatype = 'FP32', data: unknown = Array.from(pixels)): string =>
    JSON.stringify({ id: 'e1', inputs: [{ name: 'input', shape, datatype, data }] });

  it('400 on malformed JSON', async () => {
    await expectError(await post('/v2/models/mnist/infer', '{"inputs": ['), 400, /malformed JSON/);
    await expectError(await post('/v2/models/mnist/infer', '[]'), 400);
    await expectError(await post('/v2/models/mnist/infer', '{"inputs": []}'), 400, /inputs/);
    await expectError(await post('/v2/models/mnist/infer', JSON.stringify({ id: 7, inputs: [] })), 400);
  });

  it('400 on a wrong shape or a data length that does not match it', async () => {
    await expectError(await post('/v2/models/mnist/infer', input([1, 784])), 400, /shape/);
    await expectError(await post('/v2/models/mnist/infer', input([1, 1, 28, 27])), 400, /shape/);
    await expectError(await post('/v2/models/mnist/infer', input([2, 1, 28, 28])), 400, /data elements/);
    await expectError(await post('/v2/models/mnist/infer', input([0, 1, 28, 28], 'FP32', [])), 400, /batch/);
    await expectError(await post('/v2/models/mnist/infer', input([1, -1, 28, 28])), 400, /shape/);
  });

  it('400 on a wrong datatype or non-numeric data', async () => {
    await expectError(await post('/v2/models/mnist/infer', input([1, 1, 28, 28], 'INT32')), 400, /datatype/);
    await expectError(await post('/v2/models/mnist/infer', input([1, 1, 28, 28], 'BYTES')), 400, /datatype/);
    const strings = Array.from(pixels, String);
    await expectError(await post('/v2/models/mnist/infer', input([1, 1, 28, 28], 'FP32', strings)), 400, /numeric/);
  });

  it('400 on unknown or missing input names', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'image', shape: [1, 1, 28, 28], datatype: 'FP32', data: Array.from(pixels) }] });
    await expectError(await post('/v2/models/mnist/infer', body), 400, /image/);
  });

  it('400 when the batch exceeds the maximum', async () => {
    const big = new Float32Array(17 * 784);
    const { body, headers } = binaryBody({ inputs: [{ name: 'input', shape: [17, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: big.byteLength } }] }, bytesOf(big));
    await expectError(await post('/v2/models/mnist/infer', body, headers), 400, /batch-size must be <= 16/);
  });

  it('400 on inconsistent binary sizes', async () => {
    const header = (size: number): unknown => ({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: size } }] });
    // Declared size differs from what the shape needs.
    let b = binaryBody(header(3000), bytesOf(pixels).subarray(0, 3000));
    await expectError(await post('/v2/models/mnist/infer', b.body, b.headers), 400, /binary_data_size/);
    // Declared size larger than the bytes sent.
    b = binaryBody(header(3136), bytesOf(pixels).subarray(0, 100));
    await expectError(await post('/v2/models/mnist/infer', b.body, b.headers), 400, /exceeds/);
    // Bytes left over that no input claims.
    b = binaryBody(header(3136), bytesOf(pixels), new Uint8Array(8));
    await expectError(await post('/v2/models/mnist/infer', b.body, b.headers), 400, /not claimed/);
    // Inference-Header-Content-Length longer than the body, or not a number.
    b = binaryBody(header(3136), bytesOf(pixels));
    await expectError(await post('/v2/models/mnist/infer', b.body, { ...b.headers, 'Inference-Header-Content-Length': '999999' }), 400);
    await expectError(await post('/v2/models/mnist/infer', b.body, { ...b.headers, 'Inference-Header-Content-Length': 'abc' }), 400);
  });

  it('404 on an unknown model or version, or endpoint', async () => {
    await expectError(await post('/v2/models/nope/infer', input([1, 1, 28, 28])), 404, /nope/);
    await expectError(await post('/v2/models/mnist/versions/99/infer', input([1, 1, 28, 28])), 404, /99/);
    await expectError(await fetch(`${s.url}/v2/models/nope`), 404);
    await expectError(await fetch(`${s.url}/v2/models/mnist/versions/99/ready`), 404);
    await expectError(await fetch(`${s.url}/v2/models/mnist/explain`), 404);
  });

  it('405 on the wrong method', async () => {
    const res = await fetch(`${s.url}/v2/models/mnist/infer`);
    await expectError(res, 405);
    assert.match(res.headers.get('allow') ?? '', /POST/);
  });

  it('413 on a body over the limit, declared or streamed', async () => {
    const huge = new Uint8Array(2 * 1024 * 1024).fill(0x20);
    await expectError(await post('/v2/models/mnist/infer', huge), 413, /exceeds the maximum/);
    // Chunked upload without Content-Length: the limit is enforced while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    await expectError(res, 413);
  });
});

describe('bearer-token auth', () => {
  let s: Started;
  before(async () => {
    s = await start({ token: 'sekret-token' });
  });
  after(() => s.close());

  it('401 without or with a wrong token, 200 with the right one', async () => {
    const missing = await fetch(`${s.url}/v2/models/mnist`);
    await expectError(missing, 401, /missing/);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    await expectError(await fetch(`${s.url}/v2/models/mnist`, { headers: { Authorization: 'Bearer sekret-tokeX' } }), 401, /invalid/);
    await expectError(await fetch(`${s.url}/v2/models/mnist`, { headers: { Authorization: 'Bearer short' } }), 401);
    await expectError(await fetch(`${s.url}/v2/models/mnist`, { headers: { Authorization: 'Basic c2VrcmV0' } }), 401);
    const pixels = (await digit(1)).pixels;
    await expectError(await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer([pixels]) }), 401);
    await expectError(await fetch(`${s.url}/v1/models/mnist:predict`, { method: 'POST', body: '{}' }), 401);
    const ok = await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer([pixels]), headers: { Authorization: 'Bearer sekret-token' } });
    assert.equal(ok.status, 200);
  });

  it('leaves health probes open for orchestrators', async () => {
    assert.equal((await fetch(`${s.url}/v2/health/live`)).status, 200);
    assert.equal((await fetch(`${s.url}/v2/health/ready`)).status, 200);
  });
});

describe('not ready', () => {
  let s: Started;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    tmp = tempDir('repo');
    // The real mnist model next to one whose model file is not ONNX.
    mkdirSync(join(tmp.dir, 'mnist', '1'), { recursive: true });
    copyFileSync(join(MNIST_DIR, 'config.pbtxt'), join(tmp.dir, 'mnist', 'config.pbtxt'));
    copyFileSync(join(MNIST_DIR, '1', 'model.onnx'), join(tmp.dir, 'mnist', '1', 'model.onnx'));
    mkdirSync(join(tmp.dir, 'broken', '1'), { recursive: true });
    writeFileSync(join(tmp.dir, 'broken', 'config.pbtxt'), 'name: "broken"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 8\ninput [{ name: "x" data_type: TYPE_FP32 dims: [4] }]\noutput [{ name: "y" data_type: TYPE_FP32 dims: [2] }]\n');
    writeFileSync(join(tmp.dir, 'broken', '1', 'model.onnx'), 'not an onnx file');
    s = await start({ modelRepository: tmp.dir });
  });
  after(async () => {
    await s.close();
    tmp.remove();
  });

  it('503 for a model that failed to load, and for server readiness', async () => {
    const ready = await fetch(`${s.url}/v2/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).ready, false);
    const model = await fetch(`${s.url}/v2/models/broken/ready`);
    assert.equal(model.status, 503);
    assert.deepEqual(await model.json(), { name: 'broken', ready: false });
    const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    await expectError(await fetch(`${s.url}/v2/models/broken/infer`, { method: 'POST', body }), 503, /not ready/);
    // The healthy model next to it still serves.
    assert.equal((await fetch(`${s.url}/v2/models/mnist/ready`)).status, 200);
  });
});
