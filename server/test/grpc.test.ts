import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { GrpcClientError, InferenceGrpcClient } from '../src/grpc/client.js';
import { inferenceProto } from '../src/grpc/proto.js';
import { rawTensors } from '../src/grpc/tensors.js';
import type { ServerOptions } from '../src/index.js';
import { argmax, binaryBody, bytesOf, digit, floatsAt, MNIST_DIR, metric, readBinaryResponse, start, tempDir, type Started } from './helpers.js';

interface GrpcStarted extends Started {
  address: string;
  client: InferenceGrpcClient;
}

/** A real server on 127.0.0.1 serving REST and gRPC on free ports, with a client on its gRPC port. */
async function startGrpc(options: ServerOptions = {}, token?: string): Promise<GrpcStarted> {
  const s = await start(options);
  const address = await s.server.listenGrpc(0, '127.0.0.1');
  const client = new InferenceGrpcClient(address, token === undefined ? {} : { token });
  return { ...s, address, client, close: async () => (client.close(), s.close()) };
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<GrpcClientError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GrpcClientError, `expected a GrpcClientError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.details, message);
  return err;
}

/** A hand-made ModelInfer message, for wire shapes the typed client never sends. */
function rawInfer(address: string, request: unknown): Promise<{ code: number; details: string }> {
  const { Client } = inferenceProto();
  const c = new Client(address, credentials.createInsecure()) as unknown as Record<string, (r: unknown, md: Metadata, cb: (e: ServiceError | null) => void) => void> & { close(): void };
  return new Promise((resolve) =>
    c.ModelInfer!(request, new Metadata(), (e) => {
      c.close();
      resolve({ code: e?.code ?? 0, details: e?.details ?? '' });
    }),
  );
}

const input = (pixels: Float32Array[]): { name: string; datatype: 'FP32'; shape: number[]; data: Float32Array } => {
  const data = new Float32Array(pixels.length * 784);
  pixels.forEach((p, i) => data.set(p, i * 784));
  return { name: 'input', datatype: 'FP32', shape: [pixels.length, 1, 28, 28], data };
};

describe('gRPC inference service', () => {
  let s: GrpcStarted;
  before(async () => {
    s = await startGrpc();
  });
  after(() => s.close());

  it('answers health and metadata like the REST endpoints', async () => {
    assert.equal(await s.client.serverLive(), true);
    assert.equal(await s.client.serverReady(), true);
    assert.equal(await s.client.modelReady('mnist'), true);
    assert.equal(await s.client.modelReady('mnist', '1'), true);
    const server = await s.client.serverMetadata();
    assert.equal(server.name, 'modelship');
    assert.deepEqual(server.extensions, (await (await fetch(`${s.url}/v2`)).json()).extensions);
    const meta = await s.client.modelMetadata('mnist');
    assert.deepEqual(meta, await (await fetch(`${s.url}/v2/models/mnist`)).json());
    assert.deepEqual(meta.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 28, 28] }]);
  });

  it('classifies real digits with raw tensors, bit-identical to binary REST', async () => {
    const digits = await Promise.all(Array.from({ length: 10 }, (_, i) => digit(i, 3)));
    const x = input(digits.map((d) => d.pixels));
    const res = await s.client.infer('mnist', [x], { id: 'req-7' });
    assert.equal(res.modelName, 'mnist');
    assert.equal(res.modelVersion, '1');
    assert.equal(res.id, 'req-7');
    const [logits] = res.outputs;
    assert.equal(logits!.name, 'logits');
    assert.deepEqual(logits!.shape, [10, 10]);
    assert.ok(logits!.data instanceof Float32Array);
    const labels = Array.from({ length: 10 }, (_, i) => argmax(logits!.data.subarray(i * 10, i * 10 + 10) as Float32Array));
    assert.ok(labels.filter((l, i) => l === i).length >= 9, `labels ${labels}`);

    const rest = binaryBody(
      { inputs: [{ name: 'input', shape: x.shape, datatype: 'FP32', parameters: { binary_data_size: x.data.byteLength } }], outputs: [{ name: 'logits', parameters: { binary_data: true } }] },
      bytesOf(x.data),
    );
    const { rest: bytes } = await readBinaryResponse(await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', ...rest }));
    assert.deepEqual(Array.from(logits!.data as Float32Array), Array.from(floatsAt(bytes, 0, 100)));
  });

  it('uses raw tensors in place wherever they lie in the message (every alignment), with the same answers', async () => {
    const digits = await Promise.all(Array.from({ length: 8 }, (_, i) => digit(i, 5)));
    const x = input(digits.map((d) => d.pixels)); // 25 KB: the message has a buffer of its own on the server
    const expected = Array.from((await s.client.infer('mnist', [x])).outputs[0]!.data as Float32Array);
    // The id's length moves raw_input_contents by one byte at a time: aligned, and 1-3 bytes off.
    for (let n = 1; n <= 8; n++) {
      const res = await s.client.infer('mnist', [x], { id: 'x'.repeat(n) });
      assert.equal(res.id, 'x'.repeat(n));
      assert.deepEqual(Array.from(res.outputs[0]!.data as Float32Array), expected, `id of ${n} characters`);
    }
  });

  it('aligns raw tensors inside the buffer only where the bytes before them are free, and copies the rest', () => {
    // [2 bytes][a: FP32×2 at 2][c: UINT8×3 at 10][b: FP32×2 at 13]
    const own = new ArrayBuffer(21);
    const bytes = new Uint8Array(own);
    bytes.set(new Uint8Array(new Float32Array([1.5, -2]).buffer), 2);
    bytes.set([7, 8, 9], 10);
    bytes.set(new Uint8Array(new Float32Array([3.25, 4]).buffer), 13);
    const [ta, tc, tb] = rawTensors(
      [
        { bytes: new Uint8Array(own, 2, 8), datatype: 'FP32', shape: [2], what: 'a' },
        { bytes: new Uint8Array(own, 10, 3), datatype: 'UINT8', shape: [3], what: 'c' },
        { bytes: new Uint8Array(own, 13, 8), datatype: 'FP32', shape: [2], what: 'b' },
      ],
      own,
    );
    // a moves back 2 bytes into free space; c needs no alignment; b would move into c's bytes: copied.
    assert.deepEqual(Array.from(ta!.data as Float32Array), [1.5, -2]);
    assert.equal(ta!.data.buffer, own);
    assert.equal(ta!.transfer, own);
    assert.deepEqual(Array.from(tc!.data as Uint8Array), [7, 8, 9]);
    assert.equal(tc!.transfer, own);
    assert.deepEqual(Array.from(tb!.data as Float32Array), [3.25, 4]);
    assert.notEqual(tb!.data.buffer, own);
    assert.equal(tb!.transfer, undefined);
    // Without an owned buffer everything is copied; a wrong length is refused.
    const [td] = rawTensors([{ bytes: new Uint8Array(new Float32Array([7, 8]).buffer), datatype: 'FP32', shape: [2], what: 'd' }], undefined);
    assert.deepEqual(Array.from(td!.data as Float32Array), [7, 8]);
    assert.equal(td!.transfer, undefined);
    assert.throws(() => rawTensors([{ bytes: new Uint8Array(4), datatype: 'FP32', shape: [2], what: 'e' }], undefined), /raw contents are 4 bytes/);
  });

  it('offers HTTP/2 flow-control windows large enough for a batch-64 tensor in one flight', async () => {
    const { connect } = await import('node:http2');
    const { STREAM_WINDOW_BYTES, CONNECTION_WINDOW_BYTES } = await import('../src/grpc/window.js');
    const session = connect(`http://${s.address}`);
    try {
      // The server's first SETTINGS carry Node's defaults; the widened window follows in a second
      // SETTINGS frame and a connection WINDOW_UPDATE, once the session has started on its side.
      const widened = (): boolean => session.remoteSettings?.initialWindowSize === STREAM_WINDOW_BYTES && session.state.remoteWindowSize === CONNECTION_WINDOW_BYTES;
      for (let i = 0; i < 100 && !widened(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(session.remoteSettings.initialWindowSize, STREAM_WINDOW_BYTES);
      assert.equal(session.state.remoteWindowSize, CONNECTION_WINDOW_BYTES);
    } finally {
      session.close();
    }
  });

  it('takes and returns typed contents with the same numbers as raw', async () => {
    const d = await digit(4, 1);
    const raw = await s.client.infer('mnist', [input([d.pixels])]);
    const typed = await s.client.infer('mnist', [{ name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28], data: Array.from(d.pixels) }], { raw: false, outputs: ['logits'] });
    assert.deepEqual(typed.outputs[0]!.shape, [1, 10]);
    assert.deepEqual(Array.from(typed.outputs[0]!.data as Float32Array), Array.from(raw.outputs[0]!.data as Float32Array));
    assert.equal(argmax(typed.outputs[0]!.data as Float32Array), 4);
  });

  it('answers bad requests with the status codes Triton uses', async () => {
    const one = input([(await digit(1)).pixels]);
    await rejectsWith(s.client.infer('nope', [one]), 'NOT_FOUND', /unknown model/);
    await rejectsWith(s.client.infer('mnist', [one], { version: '9' }), 'NOT_FOUND', /unknown version/);
    await rejectsWith(s.client.modelReady('nope'), 'NOT_FOUND');
    await rejectsWith(s.client.modelMetadata('nope'), 'NOT_FOUND');
    await rejectsWith(s.client.infer('mnist', [{ ...one, shape: [1, 784], data: one.data }]), 'INVALID_ARGUMENT', /unexpected shape \[1,784\]/);
    await rejectsWith(s.client.infer('mnist', [{ ...one, name: 'pixels' }]), 'INVALID_ARGUMENT', /unexpected inference input 'pixels'/);
    await rejectsWith(s.client.infer('mnist', [one], { outputs: ['probs'] }), 'INVALID_ARGUMENT', /unexpected inference output 'probs'/);
    const big = new Float32Array(65 * 784);
    await rejectsWith(s.client.infer('mnist', [{ ...one, shape: [65, 1, 28, 28], data: big }]), 'INVALID_ARGUMENT', /batch-size must be <= 64/);
    await rejectsWith(s.client.infer('mnist', [{ ...one, datatype: 'FP64', data: new Float64Array(784) }]), 'INVALID_ARGUMENT', /datatype FP64/);
    await assert.rejects(s.client.infer('mnist', [{ ...one, data: new Float64Array(784) }]), /FP32 needs a Float32Array, got a Float64Array/);

    const head = { name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28] };
    const short = await rawInfer(s.address, { model_name: 'mnist', inputs: [head], raw_input_contents: [Buffer.alloc(100)] });
    assert.equal(short.code, 3);
    assert.match(short.details, /raw contents are 100 bytes, shape and datatype need 3136/);
    const extra = await rawInfer(s.address, { model_name: 'mnist', inputs: [head], raw_input_contents: [Buffer.alloc(3136), Buffer.alloc(4)] });
    assert.equal(extra.code, 3);
    assert.match(extra.details, /2 entries for 1 inputs/);
    const both = await rawInfer(s.address, { model_name: 'mnist', inputs: [{ ...head, contents: { fp32_contents: [1] } }], raw_input_contents: [Buffer.alloc(3136)] });
    assert.match(both.details, /"contents" must be empty/);
    const wrongField = await rawInfer(s.address, { model_name: 'mnist', inputs: [{ ...head, contents: { int_contents: new Array(784).fill(0) } }] });
    assert.match(wrongField.details, /carried in fp32_contents, not int_contents/);
    assert.equal((await rawInfer(s.address, { inputs: [head] })).code, 3);
  });

  it('counts gRPC inferences and failures in the same Triton metrics as REST', async () => {
    const labels = { model: 'mnist', version: '1' };
    const [count0, fail0] = [await metric(s.url, 'nv_inference_count', labels), await metric(s.url, 'nv_inference_request_failure', labels)];
    await s.client.infer('mnist', [input([(await digit(2)).pixels, (await digit(3)).pixels])]);
    await rejectsWith(s.client.infer('mnist', [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: new Float32Array(2) }]), 'INVALID_ARGUMENT');
    assert.equal(await metric(s.url, 'nv_inference_count', labels), count0 + 2);
    assert.equal(await metric(s.url, 'nv_inference_request_failure', labels), fail0 + 1);
    assert.ok((await metric(s.url, 'modelship_grpc_requests_total', { method: 'ModelInfer', code: 'OK' })) >= 1);
    assert.ok((await metric(s.url, 'modelship_grpc_requests_total', { method: 'ModelInfer', code: 'INVALID_ARGUMENT' })) >= 1);
  });
});

describe('gRPC with the REST dynamic batcher', () => {
  it('coalesces concurrent gRPC and REST requests into shared session runs', async () => {
    const s = await startGrpc({ batching: true, maxQueueDelayUs: 20_000 });
    try {
      const digits = await Promise.all(Array.from({ length: 20 }, (_, i) => digit(i % 10, 5)));
      const labels = await Promise.all(
        digits.map(async (d, i) => {
          if (i % 2 === 0) return argmax((await s.client.infer('mnist', [input([d.pixels])])).outputs[0]!.data as Float32Array);
          const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data: Array.from(d.pixels) }] });
          const json = await (await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body })).json();
          return argmax(json.outputs[0].data);
        }),
      );
      assert.ok(labels.filter((l, i) => l === digits[i]!.label).length >= 18, `labels ${labels}`);
      const m = { model: 'mnist', version: '1' };
      const count = await metric(s.url, 'nv_inference_count', m);
      const execs = await metric(s.url, 'nv_inference_exec_count', m);
      assert.equal(count, 20);
      assert.ok(execs < count, `expected fewer executions than inferences, got ${execs} for ${count}`);
    } finally {
      await s.close();
    }
  });
});

describe('gRPC auth, limits and readiness', () => {
  it('requires the bearer token in metadata, except on health RPCs', async () => {
    const s = await startGrpc({ token: 's3cret' }, 's3cret');
    const wrong = new InferenceGrpcClient(s.address, { token: 'nope' });
    const none = new InferenceGrpcClient(s.address);
    try {
      assert.equal(await none.serverLive(), true);
      assert.equal(await none.serverReady(), true);
      const e = await rejectsWith(none.serverMetadata(), 'UNAUTHENTICATED', /missing bearer token/);
      assert.match(e.metadata['www-authenticate'] ?? '', /Bearer realm="modelship"/);
      await rejectsWith(wrong.infer('mnist', [input([(await digit(0)).pixels])]), 'UNAUTHENTICATED', /invalid bearer token/);
      await rejectsWith(none.modelMetadata('mnist'), 'UNAUTHENTICATED');
      assert.equal((await s.client.infer('mnist', [input([(await digit(0)).pixels])])).outputs[0]!.shape[1], 10);
    } finally {
      wrong.close();
      none.close();
      await s.close();
    }
  });

  it('refuses a message over the size limit with RESOURCE_EXHAUSTED', async () => {
    const s = await startGrpc({ maxBodyBytes: 100_000 });
    try {
      const big = new Float32Array(64 * 784);
      await rejectsWith(s.client.infer('mnist', [{ name: 'input', datatype: 'FP32', shape: [64, 1, 28, 28], data: big }]), 'RESOURCE_EXHAUSTED');
      // A request under the limit on the same server still works.
      assert.equal((await s.client.infer('mnist', [input([(await digit(8)).pixels])])).outputs.length, 1);
    } finally {
      await s.close();
    }
  });

  it('answers UNAVAILABLE for a model that failed to load, and reports the server not ready', async () => {
    const tmp = tempDir('grpc-repo');
    mkdirSync(join(tmp.dir, 'mnist', '1'), { recursive: true });
    copyFileSync(join(MNIST_DIR, 'config.pbtxt'), join(tmp.dir, 'mnist', 'config.pbtxt'));
    copyFileSync(join(MNIST_DIR, '1', 'model.onnx'), join(tmp.dir, 'mnist', '1', 'model.onnx'));
    mkdirSync(join(tmp.dir, 'broken', '1'), { recursive: true });
    writeFileSync(join(tmp.dir, 'broken', 'config.pbtxt'), 'name: "broken"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 8\ninput [{ name: "x" data_type: TYPE_FP32 dims: [4] }]\noutput [{ name: "y" data_type: TYPE_FP32 dims: [2] }]\n');
    writeFileSync(join(tmp.dir, 'broken', '1', 'model.onnx'), 'not an onnx file');
    const s = await startGrpc({ modelRepository: tmp.dir });
    try {
      assert.equal(await s.client.serverReady(), false);
      assert.equal(await s.client.modelReady('broken'), false);
      assert.equal(await s.client.modelReady('mnist'), true);
      await rejectsWith(s.client.infer('broken', [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }]), 'UNAVAILABLE', /not ready/);
    } finally {
      await s.close();
      tmp.remove();
    }
  });

  it('lets a running call finish on close, then stops listening', async () => {
    // The call waits 2 s in the batch queue; close() comes while it is there.
    const s = await startGrpc({ batching: true, maxQueueDelayUs: 2_000_000 });
    assert.equal(await s.client.serverLive(), true); // the channel connects lazily: connect first
    const pending = s.client.infer('mnist', [input([(await digit(6)).pixels])]);
    await new Promise((r) => setTimeout(r, 500));
    const closed = s.server.close();
    assert.equal(argmax((await pending).outputs[0]!.data as Float32Array), 6);
    await closed;
    const late = new InferenceGrpcClient(s.address, { timeoutMs: 2000 });
    try {
      await rejectsWith(late.serverLive(), 'UNAVAILABLE');
    } finally {
      late.close();
      s.client.close();
    }
  });
});
