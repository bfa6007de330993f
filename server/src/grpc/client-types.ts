import type { ChannelCredentials } from '@grpc/grpc-js';
import type { Datatype, TypedArray } from '../datatypes.js';
import type { Int64, WireDuration, WireModelStatistics } from './messages.js';

/** The public types of the gRPC client (client.ts), and the decoding of Triton's statistics. */
export interface GrpcClientOptions {
  /** Sent as `authorization: Bearer <token>` metadata. */
  token?: string;
  /** Deadline of each call, ms (default 30 s). */
  timeoutMs?: number;
  /** Default: insecure (plaintext), as for a server on 127.0.0.1 or inside a cluster behind a TLS-terminating mesh. */
  credentials?: ChannelCredentials;
  /** Largest response accepted, bytes (default 64 MiB, the server's default request limit). */
  maxMessageBytes?: number;
}

export interface InferInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TypedArray | ArrayLike<number> | ArrayLike<boolean>;
}

export interface InferOptions {
  version?: string;
  id?: string;
  /** Outputs to return (default: all the model has). */
  outputs?: string[];
  /** Send raw_input_contents and receive raw_output_contents (default true, as Triton's clients); false: typed `contents`. */
  raw?: boolean;
}

export interface TensorInfo {
  name: string;
  datatype: string;
  /** -1 marks a variable dimension (the batch dimension when the model batches). */
  shape: number[];
}

export interface ModelInfo {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

export interface InferOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TypedArray;
}

export interface InferResult {
  modelName: string;
  modelVersion: string;
  id: string | undefined;
  outputs: InferOutput[];
}

/** `grpc.health.v1` serving status (SERVICE_UNKNOWN only ever comes from Watch). */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface DurationStatistics {
  count: number;
  ns: number;
}

/** Triton's statistics of one model version, with the names and numbers of GET /v2/models/{m}/stats. */
export interface ModelStatistics {
  name: string;
  version: string;
  /** Milliseconds since the epoch; 0 before the first request. */
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output' | 'cache_hit' | 'cache_miss', DurationStatistics>;
  batch_stats: Array<{ batch_size: number; compute_input: DurationStatistics; compute_infer: DurationStatistics; compute_output: DurationStatistics }>;
}

export interface RepositoryIndexEntry {
  name: string;
  version?: string;
  /** READY, LOADING, UNLOADING or UNAVAILABLE. */
  state: string;
  reason: string;
}

const INFERENCE_STATS = ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output', 'cache_hit', 'cache_miss'] as const;

/** uint64 arrives as a decimal string, and a zero not at all (proto3 leaves default values out). */
const num = (v: Int64 | undefined): number => Number(v ?? 0);
const duration = (d: WireDuration | Int64 | undefined): DurationStatistics => {
  const w = (typeof d === 'object' ? d : undefined) as WireDuration | undefined;
  return { count: num(w?.count), ns: num(w?.ns) };
};

export function toModelStatistics(s: WireModelStatistics): ModelStatistics {
  const stats = s.inference_stats ?? {};
  return {
    name: s.name ?? '',
    version: s.version ?? '',
    last_inference: num(s.last_inference),
    inference_count: num(s.inference_count),
    execution_count: num(s.execution_count),
    inference_stats: Object.fromEntries(INFERENCE_STATS.map((k) => [k, duration(stats[k])])) as ModelStatistics['inference_stats'],
    batch_stats: (s.batch_stats ?? []).map((b) => ({
      batch_size: num(b.batch_size),
      compute_input: duration(b.compute_input),
      compute_infer: duration(b.compute_infer),
      compute_output: duration(b.compute_output),
    })),
  };
}
