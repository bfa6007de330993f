import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { argmax, binaryBody, bytesOf, digit, floatsAt, jsonInfer, readBinaryResponse, start, type Started } from './helpers.js';

describe('Open Inference Protocol (KServe V2) REST', () => {
  let s: Started;
  before(async () => {
    s = await start();
  });
  after(() => s.close());

  const post = (path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${s.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });

  it('answers health probes', async () => {
    const live = await fetch(`${s.url}/v2/health/live`);
    assert.equal(live.status, 200);
    assert.equal((await live.json()).live, true);
    const ready = await fetch(`${s.url}/v2/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).ready, true);
  });

  it('serves server metadata with the binary tensor extension', async () => {
    const res = await fetch(`${s.url}/v2`);
    assert.equal(res.status, 200);
    const meta = await res.json();
    assert.equal(meta.name, 'modelship');
    assert.equal(typeof meta.version, 'string');
    assert.ok(meta.extensions.includes('binary_tensor_data'));
  });

  it('serves model metadata, with and without a version', async () => {
    for (const path of ['/v2/models/mnist', '/v2/models/mnist/versions/1']) {
      const res = await fetch(`${s.url}${path}`);
      assert.equal(res.status, 200, path);
      const meta = await res.json();
      assert.equal(meta.name, 'mnist');
      assert.equal(meta.platform, 'onnxruntime_onnx');
      assert.ok(meta.versions.includes('1'));
      assert.deepEqual(meta.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 28, 28] }]);
      assert.deepEqual(meta.outputs, [{ name: 'logits', datatype: 'FP32', shape: [-1, 10] }]);
    }
    const ready = await fetch(`${s.url}/v2/models/mnist/versions/1/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { name: 'mnist', ready: true });
    assert.equal((await fetch(`${s.url}/v2/models/mnist/ready`)).status, 200);
  });

  it('classifies a real digit from JSON, echoing the request id', async () => {
    const seven = await digit(7);
    const res = await post('/v2/models/mnist/infer', jsonInfer([seven.pixels], { id: 'req-42' }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = await res.json();
    assert.equal(body.id, 'req-42');
    assert.equal(body.model_name, 'mnist');
    assert.equal(body.model_version, '1');
    assert.equal(body.outputs.length, 1);
    const [out] = body.outputs;
    assert.equal(out.name, 'logits');
    assert.equal(out.datatype, 'FP32');
    assert.deepEqual(out.shape, [1, 10]);
    assert.equal(argmax(out.data), 7);
  });

  it('omits id when none was given and accepts nested (non-flat) data', async () => {
    const three = await digit(3);
    const rows = Array.from({ length: 28 }, (_, r) => Array.from(three.pixels.subarray(r * 28, r * 28 + 28)));
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data: [[rows]] }] });
    const res = await post('/v2/models/mnist/versions/1/infer', body);
    assert.equal(res.status, 200);
    const json = await res.json();
    assert.equal('id' in json, false);
    assert.equal(argmax(json.outputs[0].data), 3);
  });

  it('runs a batch and keeps rows in order', async () => {
    const digits = await Promise.all([0, 1, 2, 4, 9].map((d) => digit(d)));
    const res = await post('/v2/models/mnist/infer', jsonInfer(digits.map((d) => d.pixels)));
    assert.equal(res.status, 200);
    const out = (await res.json()).outputs[0];
    assert.deepEqual(out.shape, [5, 10]);
    const labels = digits.map((_, i) => argmax(out.data.slice(i * 10, i * 10 + 10)));
    assert.deepEqual(labels, [0, 1, 2, 4, 9]);
  });

  it('honours output selection by name and its parameters', async () => {
    const six = await digit(6);
    const res = await post('/v2/models/mnist/infer', jsonInfer([six.pixels], { outputs: [{ name: 'logits', parameters: { binary_data: false } }] }));
    assert.equal(res.status, 200);
    const json = await res.json();
    assert.deepEqual(json.outputs.map((o: { name: string }) => o.name), ['logits']);
    const bad = await post('/v2/models/mnist/infer', jsonInfer([six.pixels], { outputs: [{ name: 'probabilities' }] }));
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /probabilities/);
  });

  it('takes binary input and returns binary output (binary tensor data extension)', async () => {
    const eight = await digit(8);
    const header = {
      id: 'bin-1',
      inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: 784 * 4 } }],
      outputs: [{ name: 'logits', parameters: { binary_data: true } }],
    };
    const { body, headers } = binaryBody(header, bytesOf(eight.pixels));
    const res = await post('/v2/models/mnist/infer', body, headers);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const { json, rest } = await readBinaryResponse(res);
    assert.equal(Number(res.headers.get('content-length')), Number(res.headers.get('inference-header-content-length')) + 40);
    assert.equal(json.id, 'bin-1');
    assert.deepEqual(json.outputs[0].parameters, { binary_data_size: 40 });
    assert.equal('data' in json.outputs[0], false);
    assert.equal(rest.length, 40);
    assert.equal(argmax(floatsAt(rest, 0, 10)), 8);
  });

  it('reads a binary body that arrives in pieces, with Content-Length or chunked, wherever the pieces split', async () => {
    const five = await digit(5);
    const header = { inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: 784 * 4 } }], outputs: [{ name: 'logits', parameters: { binary_data: true } }] };
    const { body, headers } = binaryBody(header, bytesOf(five.pixels));
    const jsonLength = Number(headers['Inference-Header-Content-Length']);
    // Pieces: inside the JSON header, across the header/tensor boundary, inside the tensor bytes.
    const cuts = [0, 10, jsonLength + 100, body.length];
    for (const chunked of [false, true]) {
      const { port } = new URL(s.url);
      const answer = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/v2/models/mnist/infer', method: 'POST', headers: { ...headers, ...(chunked ? {} : { 'Content-Length': String(body.length) }) } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        });
        req.on('error', reject);
        const write = async (): Promise<void> => {
          for (let i = 1; i < cuts.length; i++) {
            req.write(body.subarray(cuts[i - 1], cuts[i]));
            await new Promise((r) => setTimeout(r, 20)); // separate socket reads on the server
          }
          req.end();
        };
        void write();
      });
      assert.equal(answer.status, 200, `${chunked ? 'chunked' : 'Content-Length'}: ${answer.body.toString()}`);
      assert.equal(argmax(floatsAt(answer.body, answer.body.length - 40, 10)), 5, chunked ? 'chunked' : 'Content-Length');
    }
  });

  it('mixes: binary input with JSON output, JSON input with binary output via binary_data_output', async () => {
    const two = await digit(2);
    const header = { inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: 3136 } }] };
    const { body, headers } = binaryBody(header, bytesOf(two.pixels));
    const res = await post('/v2/models/mnist/infer', body, headers);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(res.headers.get('inference-header-content-length'), null);
    assert.equal(argmax((await res.json()).outputs[0].data), 2);

    const res2 = await post('/v2/models/mnist/infer', jsonInfer([two.pixels], { parameters: { binary_data_output: true } }));
    assert.equal(res2.status, 200);
    const { json, rest } = await readBinaryResponse(res2);
    assert.equal(json.outputs[0].parameters.binary_data_size, 40);
    assert.equal(argmax(floatsAt(rest, 0, 10)), 2);

    // A per-output binary_data: false overrides the request-level setting.
    const res3 = await post('/v2/models/mnist/infer', jsonInfer([two.pixels], {
      parameters: { binary_data_output: true },
      outputs: [{ name: 'logits', parameters: { binary_data: false } }],
    }));
    assert.match(res3.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(argmax((await res3.json()).outputs[0].data), 2);
  });

  it('serves the int8 model of the repository too', async () => {
    const meta = await (await fetch(`${s.url}/v2/models/mnist_int8`)).json();
    assert.deepEqual(meta.inputs[0].shape, [-1, 1, 28, 28]);
    const one = await digit(1);
    const res = await post('/v2/models/mnist_int8/infer', jsonInfer([one.pixels]));
    assert.equal(res.status, 200);
    const json = await res.json();
    assert.equal(json.model_name, 'mnist_int8');
    assert.equal(argmax(json.outputs[0].data), 1);
  });

  it('returns batch-64 binary output with the right length and labels', async () => {
    const digits = await Promise.all(Array.from({ length: 64 }, (_, i) => digit(i % 10, Math.floor(i / 10))));
    const all = new Float32Array(64 * 784);
    digits.forEach((d, i) => all.set(d.pixels, i * 784));
    const header = {
      inputs: [{ name: 'input', shape: [64, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: all.byteLength } }],
      parameters: { binary_data_output: true },
    };
    const { body, headers } = binaryBody(header, bytesOf(all));
    const res = await post('/v2/models/mnist/infer', body, headers);
    assert.equal(res.status, 200);
    const { json, rest } = await readBinaryResponse(res);
    assert.deepEqual(json.outputs[0].shape, [64, 10]);
    assert.equal(rest.length, 64 * 40);
    let correct = 0;
    for (let i = 0; i < 64; i++) if (argmax(floatsAt(rest, i * 40, 10)) === digits[i]!.label) correct++;
    assert.ok(correct >= 60, `only ${correct}/64 correct`);
  });
});

describe('TensorFlow Serving REST predict', () => {
  let s: Started;
  before(async () => {
    s = await start();
  });
  after(() => s.close());

  it('answers instances (row format) with predictions', async () => {
    const [a, b] = await Promise.all([digit(1), digit(5)]);
    const res = await fetch(`${s.url}/v1/models/mnist:predict`, {
      method: 'POST',
      body: JSON.stringify({ instances: [Array.from(a.pixels), Array.from(b.pixels)] }),
    });
    assert.equal(res.status, 200);
    const { predictions } = await res.json();
    assert.equal(predictions.length, 2);
    assert.deepEqual(predictions.map((p: number[]) => argmax(p)), [1, 5]);
  });

  it('answers inputs (columnar format) with outputs, on an explicit version', async () => {
    const four = await digit(4);
    const res = await fetch(`${s.url}/v1/models/mnist/versions/1:predict`, {
      method: 'POST',
      body: JSON.stringify({ inputs: { input: [Array.from(four.pixels)] } }),
    });
    assert.equal(res.status, 200);
    const { outputs } = await res.json();
    assert.equal(outputs.length, 1);
    assert.equal(argmax(outputs[0]), 4);
  });

  it('reports model status and errors as {"error"}', async () => {
    const status = await (await fetch(`${s.url}/v1/models/mnist`)).json();
    assert.equal(status.model_version_status[0].state, 'AVAILABLE');
    const bad = await fetch(`${s.url}/v1/models/mnist:predict`, { method: 'POST', body: JSON.stringify({ instances: [[1, 2, 3]] }) });
    assert.equal(bad.status, 400);
    assert.equal(typeof (await bad.json()).error, 'string');
    assert.equal((await fetch(`${s.url}/v1/models/nope:predict`, { method: 'POST', body: '{}' })).status, 404);
  });
});
