/**
 * Why a protocol ratio can or cannot reach a target: the parts of one batch-64 request measured
 * apart, in this process, with the server's own code (bench/grpc.ts prints them next to the
 * protocol table and derives the ceiling of gRPC / JSON REST from them and the measured rows).
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { fromJson } from '../server/src/datatypes.js';
import { parseJson } from '../server/src/json.js';

export interface Ceiling {
  /** session.run of one batch, in-process, ms (median). */
  computeMs: number;
  /** The server's JSON decode of the request body (depth scan, JSON.parse, tensor walk), ms (median). */
  jsonDecodeMs: number;
  /** Request body bytes, JSON and gRPC (raw_input_contents). */
  jsonBytes: number;
  grpcBytes: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times `fn` for about `ms` milliseconds (at least 5 runs) after 3 warm-up runs; median ms. */
async function timeIt(fn: () => unknown, ms: number): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end || times.length < 5) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function measureCeiling(modelPath: string, x: Float32Array, batch: number, jsonBody: Buffer, grpcBody: Buffer, threads: number): Promise<Ceiling> {
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads: threads });
  const feeds = { input: new ort.Tensor('float32', x, [batch, 1, 28, 28]) };
  const computeMs = await timeIt(() => session.run(feeds), 1500);
  await session.release();
  const jsonDecodeMs = await timeIt(() => {
    const json = parseJson(jsonBody, 'request body') as { inputs: Array<{ data: unknown }> };
    fromJson(json.inputs[0]!.data, 'FP32', batch * 784, 'input');
  }, 1500);
  return { computeMs: Math.round(computeMs * 1000) / 1000, jsonDecodeMs: Math.round(jsonDecodeMs * 1000) / 1000, jsonBytes: jsonBody.length, grpcBytes: grpcBody.length };
}
