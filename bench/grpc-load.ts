/**
 * gRPC side of the protocol benchmark: a closed-loop load generator for ModelInfer that keeps
 * `concurrency` calls in flight on one HTTP/2 channel (how gRPC clients talk to one server),
 * sending a pre-encoded request and not decoding the reply, as autocannon does for REST.
 */
import { credentials, Metadata, status, type Client } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { inferenceProto } from '../server/src/grpc/proto.js';

export interface LoadResult {
  duration: number;
  ok: number;
  errors: number;
  p50ms: number;
  p99ms: number;
}

const METHOD = '/inference.GRPCInferenceService/ModelInfer';

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
  const reply = await call(client, body);
  client.close();
  const res = service.ModelInfer!.responseDeserialize(reply) as { outputs: Array<{ shape: string[] }>; raw_output_contents: Buffer[] };
  const shape = res.outputs[0]?.shape.map(Number);
  if (shape?.[0] !== batch || res.raw_output_contents[0]?.length !== batch * 40) throw new Error(`unexpected gRPC reply shape ${JSON.stringify(shape)}`);
}

function call(client: Client, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(METHOD, (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res!))),
  );
}

export async function grpcLoad(address: string, body: Buffer, concurrency: number, durationS: number): Promise<LoadResult> {
  const { Client: Ctor } = inferenceProto();
  // Retries off: the client would otherwise keep a copy of every request for a possible retry.
  const client = new Ctor(address, credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1, 'grpc.enable_retries': 0 });
  const times: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + durationS * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await call(client, body);
        times.push(performance.now() - t);
      } catch (err) {
        errors++;
        if ((err as { code?: number }).code === status.UNAVAILABLE) await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const duration = (performance.now() - start) / 1000;
  client.close();
  times.sort((a, b) => a - b);
  const at = (q: number): number => Math.round((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN) * 100) / 100;
  return { duration, ok: times.length, errors, p50ms: at(0.5), p99ms: at(0.99) };
}
