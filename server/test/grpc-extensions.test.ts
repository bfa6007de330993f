import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { credentials, Metadata, type ClientReadableStream } from '@grpc/grpc-js';
import { InferenceGrpcClient, type InferInput } from '../src/grpc/client.js';
import { healthProto } from '../src/grpc/proto.js';
import { digit, start, tempDir, grpcFailure } from './helpers.js';
import { mnistConfig, writeMnistModel } from './repository-fixture.js';

/** Triton's statistics and repository RPCs, and grpc.health.v1.Health, against a real server. */

const one = async (label: number): Promise<InferInput> => ({ name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28], data: (await digit(label)).pixels });

/** The REST statistics without the fields the gRPC messages do not carry. */
async function restStats(url: string, path: string, token?: string): Promise<unknown[]> {
  const res = await fetch(`${url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return ((await res.json()) as { model_stats: Array<Record<string, unknown>> }).model_stats.map(({ response_stats: _r, memory_usage: _m, ...rest }) => rest);
}

describe('Triton gRPC extensions', () => {
  it('ModelStatistics answers what GET /v2/models/…/stats answers, for all, one model and one version', async () => {
    const tmp = tempDir('grpc-stats');
    writeMnistModel(tmp.dir, 'digits', ['1', '2']);
    const s = await start({ modelRepository: tmp.dir, token: 'tok' });
    const client = new InferenceGrpcClient(await s.server.listenGrpc(0, '127.0.0.1'), { token: 'tok' });
    try {
      await client.infer('digits', [await one(3)]);
      await client.infer('digits', [await one(4)], { version: '1' });
      await grpcFailure(client.infer('digits', [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: new Float32Array(2) }]));
      const all = await client.modelStatistics();
      assert.deepEqual(all, await restStats(s.url, '/v2/models/stats', 'tok'));
      const v2 = all.find((x) => x.version === '2')!;
      assert.equal(v2.inference_count, 1);
      assert.equal(v2.execution_count, 1);
      assert.equal(v2.inference_stats.fail.count, 1);
      assert.ok(v2.inference_stats.compute_infer.ns > 0);
      assert.deepEqual(v2.batch_stats.map((b) => [b.batch_size, b.compute_infer.count]), [[1, 1]]);
      assert.deepEqual(await client.modelStatistics('digits'), await restStats(s.url, '/v2/models/digits/stats', 'tok'));
      assert.deepEqual(await client.modelStatistics('digits', '1'), await restStats(s.url, '/v2/models/digits/versions/1/stats', 'tok'));
      assert.equal((await grpcFailure(client.modelStatistics('nope'))).code, 'NOT_FOUND');
      assert.equal((await grpcFailure(client.modelStatistics('digits', '9'))).code, 'NOT_FOUND');
      const anonymous = new InferenceGrpcClient(await s.server.listenGrpc(0, '127.0.0.1'));
      assert.equal((await grpcFailure(anonymous.modelStatistics())).code, 'UNAUTHENTICATED');
      assert.equal((await grpcFailure(anonymous.repositoryIndex())).code, 'UNAUTHENTICATED');
      anonymous.close();
    } finally {
      client.close();
      await s.close();
      tmp.remove();
    }
  });

  it('RepositoryIndex, RepositoryModelLoad and RepositoryModelUnload drive the same repository as REST', async () => {
    const tmp = tempDir('grpc-repo');
    writeMnistModel(tmp.dir, 'a', ['1']);
    const s = await start({ modelRepository: tmp.dir });
    const client = new InferenceGrpcClient(await s.server.listenGrpc(0, '127.0.0.1'));
    try {
      const rest = async (): Promise<unknown> => (await fetch(`${s.url}/v2/repository/index`, { method: 'POST' })).json();
      assert.deepEqual(await client.repositoryIndex(), [{ name: 'a', version: '1', state: 'READY', reason: '' }]);
      assert.deepEqual(await client.repositoryIndex(), await rest());
      writeMnistModel(tmp.dir, 'b', ['1']);
      assert.deepEqual(await client.repositoryIndex(), [
        { name: 'a', version: '1', state: 'READY', reason: '' },
        { name: 'b', state: 'UNAVAILABLE', reason: 'not loaded' },
      ]);
      await client.loadModel('b');
      assert.equal((await client.infer('b', [await one(5)])).modelName, 'b');
      assert.deepEqual(await client.repositoryIndex({ ready: true }), [
        { name: 'a', version: '1', state: 'READY', reason: '' },
        { name: 'b', version: '1', state: 'READY', reason: '' },
      ]);
      await client.unloadModel('a');
      assert.equal((await grpcFailure(client.infer('a', [await one(5)]))).code, 'NOT_FOUND');
      assert.deepEqual((await client.repositoryIndex()).find((e) => e.name === 'a'), { name: 'a', state: 'UNAVAILABLE', reason: 'unloaded' });
      assert.deepEqual(await client.repositoryIndex(), await rest());
      // A broken model folder: INVALID_ARGUMENT with the reason, as REST's 400.
      writeFileSync(join(tmp.dir, 'b', 'config.pbtxt'), mnistConfig('b', 'instance_group [ { kind: KIND_GPU } ]'));
      const broken = await grpcFailure(client.loadModel('b'));
      assert.equal(broken.code, 'INVALID_ARGUMENT');
      assert.match(broken.details, /failed to load 'b'.*KIND_GPU/);
      assert.equal((await client.infer('b', [await one(6)])).modelName, 'b', 'the served version keeps serving');
      assert.equal((await grpcFailure(client.unloadModel('missing'))).code, 'NOT_FOUND');
      assert.equal((await grpcFailure(client.loadModel('../etc'))).code, 'INVALID_ARGUMENT');
      rmSync(join(tmp.dir, 'b'), { recursive: true });
    } finally {
      client.close();
      await s.close();
      tmp.remove();
    }
  });
});

type HealthStream = ClientReadableStream<{ status: string }>;

function watch(address: string, service: string): { statuses: string[]; stream: HealthStream; next: (n: number) => Promise<void>; close: () => void } {
  const { Client } = healthProto();
  const c = new Client(address, credentials.createInsecure()) as unknown as { Watch: (r: unknown, md: Metadata) => HealthStream; close(): void };
  const stream = c.Watch({ service }, new Metadata());
  const statuses: string[] = [];
  const waiters: Array<() => void> = [];
  stream.on('data', (m: { status: string }) => {
    statuses.push(m.status);
    for (const w of waiters.splice(0)) w();
  });
  stream.on('error', () => undefined);
  const next = async (n: number): Promise<void> => {
    while (statuses.length < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { statuses, stream, next, close: () => (stream.cancel(), c.close()) };
}

describe('gRPC health (grpc.health.v1.Health)', () => {
  it('Check and List: server and per-model services; NOT_FOUND for an unknown one; open without the token', async () => {
    const tmp = tempDir('grpc-health');
    writeMnistModel(tmp.dir, 'digits', ['1', '2']);
    const s = await start({ modelRepository: tmp.dir, token: 'secret' });
    const address = await s.server.listenGrpc(0, '127.0.0.1');
    const client = new InferenceGrpcClient(address);
    try {
      for (const name of ['', 'inference.GRPCInferenceService', 'digits', 'digits/1', 'digits/2']) assert.equal(await client.healthCheck(name), 'SERVING', name);
      assert.equal((await grpcFailure(client.healthCheck('nope'))).code, 'NOT_FOUND');
      assert.equal((await grpcFailure(client.healthCheck('digits/7'))).code, 'NOT_FOUND');
      const { Client } = healthProto();
      const raw = new Client(address, credentials.createInsecure()) as unknown as {
        List: (r: unknown, md: Metadata, cb: (e: Error | null, r: { statuses: Record<string, { status: string }> }) => void) => void;
        close(): void;
      };
      const list = await new Promise<Record<string, { status: string }>>((resolve, reject) => raw.List({}, new Metadata(), (e, r) => (e ? reject(e) : resolve(r.statuses))));
      raw.close();
      assert.deepEqual(Object.keys(list).sort(), ['', 'digits', 'digits/1', 'digits/2', 'inference.GRPCInferenceService']);
      assert.ok(Object.values(list).every((x) => x.status === 'SERVING'));
      // An unloaded model is unknown; the server stays SERVING (it serves what is loaded).
      await fetch(`${s.url}/v2/repository/models/digits/unload`, { method: 'POST', headers: { authorization: 'Bearer secret' } });
      assert.equal((await grpcFailure(client.healthCheck('digits'))).code, 'NOT_FOUND');
    } finally {
      client.close();
      await s.close();
      tmp.remove();
    }
  });

  it('Watch sends the status now, each change, SERVICE_UNKNOWN for an unknown name, and NOT_SERVING at shutdown', async () => {
    const tmp = tempDir('grpc-watch');
    writeMnistModel(tmp.dir, 'digits', ['1']);
    const s = await start({ modelRepository: tmp.dir });
    const address = await s.server.listenGrpc(0, '127.0.0.1');
    const model = watch(address, 'digits');
    const later = watch(address, 'later');
    const server = watch(address, '');
    try {
      await Promise.all([model.next(1), later.next(1), server.next(1)]);
      assert.deepEqual([model.statuses, later.statuses, server.statuses], [['SERVING'], ['SERVICE_UNKNOWN'], ['SERVING']]);
      writeMnistModel(tmp.dir, 'later', ['1']);
      await fetch(`${s.url}/v2/repository/models/later/load`, { method: 'POST' });
      // Known once the load starts (NOT_SERVING while it warms up, if the watch looks then), SERVING when ready.
      while (later.statuses.at(-1) !== 'SERVING') await later.next(later.statuses.length + 1);
      assert.match(later.statuses.join(','), /^SERVICE_UNKNOWN,(NOT_SERVING,)?SERVING$/);
      await fetch(`${s.url}/v2/repository/models/digits/unload`, { method: 'POST' });
      await model.next(2);
      assert.deepEqual(model.statuses, ['SERVING', 'SERVICE_UNKNOWN']);
      const ended = new Promise<void>((resolve) => server.stream.on('end', () => resolve()).on('error', () => resolve()));
      await s.close();
      await ended;
      // The server is also NOT_SERVING while 'later' loads (as /v2/health/ready), if the watch looked then.
      assert.equal(server.statuses[0], 'SERVING');
      assert.equal(server.statuses.at(-1), 'NOT_SERVING');
      assert.equal(server.statuses.at(-2), 'SERVING');
    } finally {
      for (const w of [model, later, server]) w.close();
      await s.close();
      tmp.remove();
    }
  });
});
