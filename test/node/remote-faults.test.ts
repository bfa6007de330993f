import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TensorMap } from '../../src/engine.js';
import { isModelshipError, type ModelshipErrorCode } from '../../src/errors.js';
import type { Manifest } from '../../src/manifest/types.js';
import { createRemoteEngine } from '../../src/remote/remote-engine.js';
import type { RemoteConfig, RemoteDeps } from '../../src/remote/types.js';

/** What the scripted server saw of one request. */
interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  json: Record<string, any>;
  binary: Buffer;
}

type Reply = (seen: Seen, res: ServerResponse) => void;

const MANIFEST = {
  name: 'mnist',
  inputs: [{ name: 'input', dtype: 'float32', shape: [-1, 1, 28, 28] }],
  outputs: [{ name: 'logits', dtype: 'float32', shape: [-1, 10], kind: 'logits' }],
} as unknown as Manifest;

const ONE: TensorMap = { input: { data: new Float32Array(784).map((_, i) => i / 784), dims: [1, 1, 28, 28] } };
const LOGITS = Array.from({ length: 10 }, (_, i) => i / 10);

/** A correct V2 answer to whatever was asked, in JSON; `edit` bends it into a faulty one. */
function answer(edit: (body: any) => void = () => undefined): Reply {
  return (seen, res) => {
    const body = { model_name: 'mnist', id: seen.json.id, outputs: [{ name: 'logits', shape: [1, 10], datatype: 'FP32', data: LOGITS }] };
    edit(body);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
}

function fail(status: number, headers: Record<string, string> = {}): Reply {
  return (_seen, res) => res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify({ error: `scripted ${status}` }));
}

/** Never answers; the socket is cut when the server closes. */
const hang: Reply = () => undefined;

function binaryAnswer(extraBytes = 0): Reply {
  return (seen, res) => {
    const header = Buffer.from(
      JSON.stringify({ model_name: 'mnist', id: seen.json.id, outputs: [{ name: 'logits', shape: [1, 10], datatype: 'FP32', parameters: { binary_data_size: 40 } }] }),
    );
    const data = Buffer.from(Float32Array.from(LOGITS).buffer);
    res
      .writeHead(200, { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.length) })
      .end(Buffer.concat([header, data, Buffer.alloc(extraBytes)]));
  };
}

describe('remote engine faults, against a scripted HTTP server', () => {
  let server: Server;
  let url: string;
  let script: Reply[] = [];
  let seen: Seen[] = [];
  let slept: number[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const split = Number(req.headers['inference-header-content-length'] ?? body.length);
        const text = body.subarray(0, split).toString('utf8');
        const request: Seen = { url: req.url ?? '', headers: req.headers, json: text ? JSON.parse(text) : {}, binary: body.subarray(split) };
        seen.push(request);
        (script.shift() ?? fail(500))(request, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    seen = [];
    slept = [];
  });

  /** Backoff waits are recorded and skipped, so tests check the delays without sitting through them. */
  const recordSleep: RemoteDeps['sleep'] = async (ms) => {
    slept.push(ms);
  };
  const engine = (config: Partial<RemoteConfig> = {}, deps: RemoteDeps = {}) =>
    createRemoteEngine({ url, protocol: 'v2', binary: false, timeoutMs: 2000, ...config }, MANIFEST, { random: () => 0.5, sleep: recordSleep, ...deps });

  async function rejectsWith(promise: Promise<unknown>, code: ModelshipErrorCode, check: (details: Record<string, unknown>, message: string) => void = () => undefined) {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(isModelshipError(error, code), `expected ${code}, got ${String(error)}`);
      check(error.details, error.message);
      return true;
    });
  }

  it('sends a V2 request to the letter: path, id, bearer token, JSON tensors', async () => {
    script = [answer()];
    const { logits } = await engine({ token: 'secret', model: 'digits', version: '3' }).run(ONE);
    assert.deepEqual([...logits!.data].map((v) => +v.toFixed(3)), LOGITS);
    const [request] = seen;
    assert.equal(request!.url, '/v2/models/digits/versions/3/infer');
    assert.equal(request!.headers.authorization, 'Bearer secret');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.headers['idempotency-key'], undefined, 'no extra header unless asked: it would need CORS allowance');
    assert.match(request!.json.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(request!.json.inputs[0].shape, [1, 1, 28, 28]);
    assert.equal(request!.json.inputs[0].datatype, 'FP32');
    assert.equal(request!.json.inputs[0].data.length, 784);
    assert.deepEqual(request!.json.outputs, [{ name: 'logits' }]);
  });

  it('sends binary tensors as the extension describes, and reads binary outputs', async () => {
    script = [binaryAnswer()];
    const { logits } = await engine({ binary: true, idempotencyKey: true }).run(ONE);
    assert.deepEqual([...logits!.data].map((v) => +v.toFixed(3)), LOGITS);
    const [request] = seen;
    assert.equal(request!.headers['content-type'], 'application/octet-stream');
    assert.equal(request!.headers['idempotency-key'], request!.json.id);
    assert.deepEqual(request!.json.inputs[0].parameters, { binary_data_size: 784 * 4 });
    assert.equal(request!.json.inputs[0].data, undefined);
    assert.deepEqual(request!.json.parameters, { binary_data_output: true });
    assert.deepEqual(request!.json.outputs, [{ name: 'logits', parameters: { binary_data: true } }]);
    const sent = new Float32Array(request!.binary.buffer.slice(request!.binary.byteOffset, request!.binary.byteOffset + request!.binary.length));
    assert.deepEqual(sent, ONE.input!.data);
  });

  it('retries a 503 after a full-jitter backoff, then succeeds', async () => {
    script = [fail(503), fail(502), answer()];
    await engine({ backoff: { baseMs: 100, capMs: 1000 } }).run(ONE);
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen.map((s) => s.json.id)).size, 1, 'one request id across its retries');
    // random() = 0.5 of min(cap, base·2^attempt)
    assert.deepEqual(slept, [50, 100]);
  });

  it('gives up after the retries with the last error', async () => {
    script = [fail(500), fail(500), fail(500), answer()];
    await rejectsWith(engine({ retries: 2 }).run(ONE), 'REMOTE_HTTP', (details, message) => {
      assert.equal(details.status, 500);
      assert.match(message, /answered 500 Internal Server Error: scripted 500/);
    });
    assert.equal(seen.length, 3);
  });

  it('waits as long as a 429’s Retry-After says', async () => {
    script = [fail(429, { 'Retry-After': '2' }), answer()];
    await engine().run(ONE);
    assert.deepEqual(slept, [2000]);
  });

  it('stops retrying when Retry-After asks for longer than the cap', async () => {
    script = [fail(503, { 'Retry-After': '120' }), answer()];
    await rejectsWith(engine({ backoff: { retryAfterCapMs: 5000 } }).run(ONE), 'REMOTE_HTTP', (details) => {
      assert.equal(details.status, 503);
      assert.equal(details.retryAfterMs, 120_000);
    });
    assert.equal(seen.length, 1);
  });

  it('does not retry a 400, and quotes the server’s error', async () => {
    script = [fail(400), answer()];
    await rejectsWith(engine().run(ONE), 'REMOTE_HTTP', (details, message) => {
      assert.equal(details.status, 400);
      assert.equal(details.url, `${url}/v2/models/mnist/infer`);
      assert.match(message, /scripted 400/);
    });
    assert.equal(seen.length, 1);
    assert.deepEqual(slept, []);
  });

  it('maps a refused connection to REMOTE_UNREACHABLE, after retrying it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const remote = createRemoteEngine({ url: `http://127.0.0.1:${port}`, protocol: 'v2', retries: 2 }, MANIFEST, { sleep: recordSleep, random: () => 1 });
    await rejectsWith(remote.run(ONE), 'REMOTE_UNREACHABLE', (_details, message) => assert.match(message, /ECONNREFUSED|fetch failed/));
    assert.deepEqual(slept, [200, 400]);
  });

  it('times a slow server out, per attempt, without retrying it', async () => {
    script = [hang, answer()];
    const started = Date.now();
    await rejectsWith(engine({ timeoutMs: 150 }).run(ONE), 'TIMEOUT', (details) => assert.equal(details.timeoutMs, 150));
    assert.ok(Date.now() - started < 1500, 'gave up at the deadline');
    assert.equal(seen.length, 1);
  });

  it('rejects promptly with ABORTED when the caller aborts mid-request', async () => {
    script = [hang];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await rejectsWith(engine({ timeoutMs: 10_000 }).run(ONE, { signal: controller.signal }), 'ABORTED');
    assert.ok(Date.now() - started < 1000);
  });

  it('rejects promptly with ABORTED when the caller aborts during a backoff wait', async () => {
    const controller = new AbortController();
    // The abort comes once the 503 is answered, so it lands in the backoff wait whatever the machine's load
    // (a fixed 100 ms timer could fire before the first request reached the server).
    const failThenAbort: Reply = (request, res) => {
      fail(503)(request, res);
      setTimeout(() => controller.abort(), 50);
    };
    script = [failThenAbort, answer()];
    const started = Date.now();
    // Real sleeping here: a 5 s backoff the abort has to cut short.
    const remote = createRemoteEngine({ url, protocol: 'v2', backoff: { baseMs: 5000, capMs: 5000 } }, MANIFEST, { random: () => 1 });
    await rejectsWith(remote.run(ONE, { signal: controller.signal }), 'ABORTED');
    assert.ok(Date.now() - started < 1000);
    assert.equal(seen.length, 1);
  });

  it('fails requests in flight with DISPOSED, and refuses new ones', async () => {
    script = [hang];
    const remote = engine();
    const pending = remote.run(ONE);
    setTimeout(() => void remote.dispose(), 50);
    await rejectsWith(pending, 'DISPOSED');
    await rejectsWith(remote.run(ONE), 'DISPOSED');
  });

  const faulty: [string, Reply, RegExp][] = [
    ['a wrong shape', answer((b) => (b.outputs[0].shape = [1, 9])), /shape \[1,9\]; expected \[1,10\]/],
    ['data that does not fill its shape', answer((b) => (b.outputs[0].data = LOGITS.slice(1))), /9 values/],
    ['another request’s id', answer((b) => (b.id = 'someone-else')), /for request "someone-else"/],
    ['no id', answer((b) => delete b.id), /for request undefined/],
    ['a missing output', answer((b) => (b.outputs[0].name = 'probs')), /0 outputs named 'logits'/],
    ['another datatype', answer((b) => (b.outputs[0].datatype = 'FP64')), /FP64; expected FP32/],
    ['strings for numbers', answer((b) => (b.outputs[0].data = LOGITS.map(String))), /string where numbers/],
    ['binary bytes that belong to no output', binaryAnswer(4), /4 bytes of binary data belong to no output/],
    ['a body that is not JSON', (_s, res) => res.writeHead(200).end('<html>proxy</html>'), /not JSON/],
  ];
  for (const [what, reply, message] of faulty) {
    it(`refuses an answer with ${what}, without retrying it`, async () => {
      script = [reply, answer()];
      await rejectsWith(engine().run(ONE), 'REMOTE_HTTP', (details, text) => {
        assert.equal(details.malformed, true);
        assert.match(text, message);
      });
      assert.equal(seen.length, 1);
    });
  }

  it('opens the circuit after consecutive failures, half-opens after the delay, closes on success', async () => {
    let now = 1_000_000;
    const remote = engine({ retries: 0, circuit: { failureThreshold: 3, halfOpenAfterMs: 5000 } }, { now: () => now });
    script = [fail(500), fail(500), fail(500)];
    for (let i = 0; i < 3; i++) await rejectsWith(remote.run(ONE), 'REMOTE_HTTP');
    assert.deepEqual({ ...remote.health(), lastError: undefined }, { circuit: 'open', consecutiveFailures: 3, lastError: undefined });
    assert.equal(remote.health().lastError?.code, 'REMOTE_HTTP');

    await rejectsWith(remote.run(ONE), 'CIRCUIT_OPEN', (details) => assert.equal(details.retryInMs, 5000));
    assert.equal(seen.length, 3, 'an open circuit sends nothing');

    now += 5000;
    assert.equal(remote.health().circuit, 'half-open');
    script = [fail(503)];
    await rejectsWith(remote.run(ONE), 'REMOTE_HTTP');
    assert.equal(remote.health().circuit, 'open', 'a failed probe opens it again');
    await rejectsWith(remote.run(ONE), 'CIRCUIT_OPEN');

    now += 5000;
    script = [answer()];
    await remote.run(ONE);
    assert.deepEqual(remote.health().circuit, 'closed');
    assert.equal(remote.health().consecutiveFailures, 0);
    assert.equal(seen.length, 5);
  });

  it('lets only one probe through while half-open', async () => {
    let now = 0;
    const remote = engine({ retries: 0, circuit: { failureThreshold: 1, halfOpenAfterMs: 100 } }, { now: () => now });
    script = [fail(500)];
    await rejectsWith(remote.run(ONE), 'REMOTE_HTTP');
    now = 100;
    script = [answer()];
    const probe = remote.run(ONE);
    await rejectsWith(remote.run(ONE), 'CIRCUIT_OPEN');
    await probe;
    script = [answer()];
    await remote.run(ONE);
    assert.equal(remote.health().circuit, 'closed');
  });

  it('does not count 4xx answers or aborts towards opening the circuit', async () => {
    const remote = engine({ retries: 0, circuit: { failureThreshold: 1 } });
    script = [fail(400), fail(404)];
    await rejectsWith(remote.run(ONE), 'REMOTE_HTTP');
    await rejectsWith(remote.run(ONE), 'REMOTE_HTTP');
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(remote.run(ONE, { signal: controller.signal }), 'ABORTED');
    assert.deepEqual(remote.health(), { circuit: 'closed', consecutiveFailures: 0 });
  });

  it('verify() checks readiness and the served model’s metadata', async () => {
    const metadata = {
      name: 'mnist',
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 28, 28] }],
      outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 10] }],
    };
    const ok: Reply = (_s, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ready": true}');
    const meta = (m: unknown): Reply => (_s, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(m));
    script = [ok, meta(metadata)];
    await engine().verify();
    assert.deepEqual(seen.map((s) => s.url), ['/v2/health/ready', '/v2/models/mnist']);

    script = [ok, meta({ ...metadata, inputs: [{ name: 'input', datatype: 'FP16', shape: [-1, 1, 28, 28] }] })];
    await rejectsWith(engine().verify(), 'REMOTE_HTTP', (_d, message) => assert.match(message, /inputs 'input' is FP16, not FP32/));
    script = [ok, meta({ name: 'mnist', platform: 'x' })];
    await rejectsWith(engine().verify(), 'REMOTE_HTTP', (_d, message) => assert.match(message, /lists no inputs/));
    script = [(_s, res) => res.writeHead(200).end('{"ready": false}')];
    await rejectsWith(engine().verify(), 'REMOTE_HTTP', (_d, message) => assert.match(message, /not ready/));
  });

  it('TF Serving: reads named outputs and refuses a wrong shape', async () => {
    const reply = (outputs: unknown): Reply => (_s, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ outputs }));
    script = [reply({ logits: [LOGITS] }), reply([LOGITS.slice(1)])];
    const remote = engine({ protocol: 'tfserving', model: 'digits', version: '7' });
    const { logits } = await remote.run(ONE);
    assert.deepEqual(logits!.dims, [1, 10]);
    assert.equal(seen[0]!.url, '/v1/models/digits/versions/7:predict');
    assert.equal(seen[0]!.json.inputs.input[0][0].length, 28, 'inputs nested as [1][1][28][28]');
    await rejectsWith(remote.run(ONE), 'REMOTE_HTTP', (_d, message) => assert.match(message, /shape \[1,9\]; expected \[1,10\]/));
  });
});
