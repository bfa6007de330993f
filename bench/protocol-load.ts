/**
 * Load generators of the protocol benchmark (bench/grpc.ts). All three protocols are driven the
 * same way, from this process: closed loops keeping `concurrency` requests in flight, a body
 * built once, replies read to the end but not decoded (autocannon's way; bench:server uses
 * autocannon itself, which needs far less CPU per request than any Node client, and on a
 * shared 2-core machine a client's CPU per call shows up in its latency, so comparing it with a
 * Node HTTP/2 client would measure the clients, not the protocols).
 * - REST: node:http with a keep-alive agent, `concurrency` sockets (autocannon's connections).
 * - gRPC: node:http2, one connection (how gRPC clients talk to a server), a pre-framed message,
 *   success read from the grpc-status trailer.
 */
import { credentials, Metadata, type Client } from '@grpc/grpc-js';
import { Agent, request } from 'node:http';
import { connect } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { inferenceProto } from '../server/src/grpc/proto.js';

export interface LoadResult {
  duration: number;
  ok: number;
  errors: number;
  p50ms: number;
  p99ms: number;
}

const PATH = '/inference.GRPCInferenceService/ModelInfer';

/** The ModelInfer message for `batch` images, raw_input_contents, encoded once. */
export function grpcBody(x: Float32Array, batch: number, model: string): Buffer {
  const { service } = inferenceProto();
  return service.ModelInfer!.requestSerialize({
    model_name: model,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [batch, 1, 28, 28] }],
    outputs: [{ name: 'logits' }],
    raw_input_contents: [Buffer.from(x.buffer, x.byteOffset, x.byteLength)],
  });
}

/** Decodes one real reply, so the bench fails loudly if the server answers something else. */
export async function checkReply(address: string, body: Buffer, batch: number): Promise<void> {
  const { Client: Ctor, service } = inferenceProto();
  const client = new Ctor(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
  const reply = await grpcJsCall(client, body);
  client.close();
  const res = service.ModelInfer!.responseDeserialize(reply) as { outputs: Array<{ shape: string[] }>; raw_output_contents: Buffer[] };
  const shape = res.outputs[0]?.shape.map(Number);
  if (shape?.[0] !== batch || res.raw_output_contents[0]?.length !== batch * 40) throw new Error(`unexpected gRPC reply shape ${JSON.stringify(shape)}`);
}

function grpcJsCall(client: Client, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(PATH, (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res!))),
  );
}

/** Runs `concurrency` loops of `call` for `durationS`; calls started before the end are awaited and counted. */
async function closedLoop(call: () => Promise<void>, concurrency: number, durationS: number): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + durationS * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await call();
        times.push(performance.now() - t);
      } catch {
        errors++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const duration = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number): number => Math.round((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN) * 100) / 100;
  return { duration, ok: times.length, errors, p50ms: at(0.5), p99ms: at(0.99) };
}

export async function h2Load(address: string, body: Buffer, concurrency: number, durationS: number): Promise<LoadResult> {
  // gRPC's length-prefixed message: 1 byte "not compressed", 4 bytes big-endian length.
  const framed = Buffer.alloc(5 + body.length);
  framed.writeUInt32BE(body.length, 1);
  body.copy(framed, 5);
  // Node's default 10 MB of session memory is less than 64 batch-64 requests in flight (12.5 MB):
  // past it, new streams are refused with ENHANCE_YOUR_CALM. grpc-js lifts the limit the same way.
  const session = connect(`http://${address}`, { maxSessionMemory: 1024 });
  await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  const call = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers' });
      let status: unknown;
      req.on('response', (h) => (status = h['grpc-status'] ?? status)); // a trailers-only reply carries it here
      req.on('trailers', (t) => (status = t['grpc-status']));
      req.on('data', () => undefined);
      req.on('end', () => (status === '0' ? resolve() : reject(new Error(`grpc-status ${String(status)}`))));
      req.on('error', reject);
      req.end(framed);
    });
  try {
    return await closedLoop(call, concurrency, durationS);
  } finally {
    session.close();
  }
}

export interface HttpBody {
  body: Buffer;
  headers: Record<string, string>;
}

export async function httpLoad(url: string, path: string, b: HttpBody, concurrency: number, durationS: number): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = { ...b.headers, 'content-length': String(b.body.length) };
  const call = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: hostname, port, path, method: 'POST', headers, agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(b.body);
    });
  try {
    return await closedLoop(call, concurrency, durationS);
  } finally {
    agent.destroy();
  }
}
