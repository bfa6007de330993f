import { credentials as grpcCredentials, Metadata, status as Status, type Client, type ServiceError } from '@grpc/grpc-js';
import { datatypeInfo, elementCount, isDatatype, type TypedArray } from '../datatypes.js';
import type { GrpcClientOptions, HealthStatus, InferInput, InferOptions, InferOutput, InferResult, ModelInfo, ModelStatistics, RepositoryIndexEntry, TensorInfo } from './client-types.js';
import { toModelStatistics } from './client-types.js';
import type { ModelInferRequest, ModelInferResponse, ModelMetadataResponse, RepositoryIndexResponse, ServerMetadataResponse, TensorMetadata, WireModelStatistics, WireTensor } from './messages.js';
import { healthProto, inferenceProto } from './proto.js';

export type { DurationStatistics, GrpcClientOptions, HealthStatus, InferInput, InferOptions, InferOutput, InferResult, ModelInfo, ModelStatistics, RepositoryIndexEntry, TensorInfo } from './client-types.js';
import { fromContents, fromRaw, parseShape, toContents, toRaw } from './tensors.js';

/** A failed call: `code` is the gRPC status name (e.g. 'NOT_FOUND', 'UNAVAILABLE'), or BAD_RESPONSE for a reply that cannot be decoded. */
export class GrpcClientError extends Error {
  override readonly name = 'GrpcClientError' as const;
  constructor(
    readonly code: keyof typeof Status | 'BAD_RESPONSE',
    readonly details: string,
    /** Trailing metadata, e.g. `retry-after`. */
    readonly metadata: Record<string, string> = {},
    options: { cause?: unknown } = {},
  ) {
    super(`${code}: ${details}`, options);
  }
}

type Unary = (req: unknown, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res: unknown) => void) => void;

/**
 * A Node client for `inference.GRPCInferenceService` (Open Inference Protocol), for the
 * reference server, Triton or any KServe V2 runtime: the same calls whichever serves them;
 * Triton's statistics and repository extensions; and `grpc.health.v1.Health` on the same channel.
 */
export class InferenceGrpcClient {
  private readonly client: Client & Record<string, Unary>;
  private readonly health: Client & Record<string, Unary>;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  /** `address` is `host:port`, e.g. `127.0.0.1:8001`. */
  constructor(address: string, options: GrpcClientOptions = {}) {
    const { Client: Ctor } = inferenceProto();
    const max = options.maxMessageBytes ?? 64 * 1024 * 1024;
    this.client = new Ctor(address, options.credentials ?? grpcCredentials.createInsecure(), {
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
    }) as Client & Record<string, Unary>;
    this.health = new (healthProto().Client)(address, grpcCredentials.createInsecure(), { channelOverride: this.client.getChannel() }) as Client & Record<string, Unary>;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.token = options.token;
  }

  async serverLive(): Promise<boolean> {
    return (await this.call<{ live?: boolean }>('ServerLive', {})).live ?? false;
  }

  async serverReady(): Promise<boolean> {
    return (await this.call<{ ready?: boolean }>('ServerReady', {})).ready ?? false;
  }

  async modelReady(name: string, version?: string): Promise<boolean> {
    return (await this.call<{ ready?: boolean }>('ModelReady', { name, version: version ?? '' })).ready ?? false;
  }

  serverMetadata(): Promise<ServerMetadataResponse> {
    return this.call('ServerMetadata', {});
  }

  async modelMetadata(name: string, version?: string): Promise<ModelInfo> {
    const m = await this.call<ModelMetadataResponse>('ModelMetadata', { name, version: version ?? '' });
    const info = (t: TensorMetadata): TensorInfo => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(Number) });
    return { name: m.name, versions: m.versions, platform: m.platform, inputs: m.inputs.map(info), outputs: m.outputs.map(info) };
  }

  async infer(model: string, inputs: InferInput[], options: InferOptions = {}): Promise<InferResult> {
    const raw = options.raw ?? true;
    const typed = inputs.map((t) => ({ ...t, data: asTypedArray(t) }));
    const request: ModelInferRequest = {
      model_name: model,
      model_version: options.version ?? '',
      id: options.id ?? '',
      inputs: typed.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, ...(raw ? {} : { contents: toContents(t.data, t.datatype) }) })),
      outputs: (options.outputs ?? []).map((name) => ({ name })),
      raw_input_contents: raw ? typed.map((t) => toRaw(t.data)) : [],
    };
    const res = await this.call<ModelInferResponse>('ModelInfer', request);
    try {
      return {
        modelName: res.model_name,
        modelVersion: res.model_version,
        id: res.id || undefined,
        outputs: res.outputs.map((o, i) => decodeOutput(o, res.raw_output_contents, i)),
      };
    } catch (err) {
      throw new GrpcClientError('BAD_RESPONSE', (err as Error).message, {}, { cause: err });
    }
  }

  /** Triton's statistics extension: every model (no name), every version of one, or one version. */
  async modelStatistics(name?: string, version?: string): Promise<ModelStatistics[]> {
    const res = await this.call<{ model_stats: WireModelStatistics[] }>('ModelStatistics', { name: name ?? '', version: version ?? '' });
    return res.model_stats.map(toModelStatistics);
  }

  /** Triton's model repository extension: every model folder and served version, or only the ready ones. */
  async repositoryIndex(options: { ready?: boolean } = {}): Promise<RepositoryIndexEntry[]> {
    const res = await this.call<RepositoryIndexResponse>('RepositoryIndex', { repository_name: '', ready: options.ready ?? false });
    return (res.models ?? []).map((m) => ({ name: m.name ?? '', ...(m.version ? { version: m.version } : {}), state: m.state ?? '', reason: m.reason ?? '' }));
  }

  /** Loads or reloads a model from the server's repository; rejects (INVALID_ARGUMENT) with the reason when it cannot be served. */
  async loadModel(name: string): Promise<void> {
    await this.call('RepositoryModelLoad', { repository_name: '', model_name: name });
  }

  /** Unloads a model: it takes no new requests; those running finish. */
  async unloadModel(name: string): Promise<void> {
    await this.call('RepositoryModelUnload', { repository_name: '', model_name: name });
  }

  /**
   * `grpc.health.v1.Health/Check`: '' is the server, a model name its default version,
   * `model/version` one version. An unknown service rejects with NOT_FOUND.
   */
  async healthCheck(service = ''): Promise<HealthStatus> {
    const res = await this.call<{ status?: HealthStatus }>('Check', { service }, this.health);
    return res.status ?? 'UNKNOWN';
  }

  close(): void {
    this.health.close();
    this.client.close();
  }

  private call<T>(method: string, request: unknown, client = this.client): Promise<T> {
    const md = new Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return new Promise((resolve, reject) => {
      client[method]!(request, md, { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err) reject(toClientError(err));
        else resolve(res as T);
      });
    });
  }
}

function toClientError(err: ServiceError): GrpcClientError {
  const name = (Status[err.code] ?? 'UNKNOWN') as keyof typeof Status;
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.metadata?.getMap() ?? {})) if (typeof v === 'string') metadata[k] = v;
  return new GrpcClientError(name, err.details, metadata, { cause: err });
}

function asTypedArray(t: InferInput): TypedArray {
  const count = elementCount(t.shape);
  if (!isDatatype(t.datatype)) throw new TypeError(`input '${t.name}': unsupported datatype ${String(t.datatype)}`);
  if (t.data.length !== count) throw new TypeError(`input '${t.name}': ${t.data.length} elements for shape [${t.shape.join(',')}] (needs ${count})`);
  const info = datatypeInfo(t.datatype);
  if (ArrayBuffer.isView(t.data)) {
    // Raw bytes are sent as they are: a Float64Array for FP32 would be silently wrong data.
    const expected = info.create(0).constructor;
    if (t.data.constructor !== expected) throw new TypeError(`input '${t.name}': ${t.datatype} needs a ${expected.name}, got a ${t.data.constructor.name}`);
    return t.data as TypedArray;
  }
  const out = info.create(count);
  for (let i = 0; i < count; i++) {
    const v = (t.data as ArrayLike<number | boolean>)[i]!;
    if (info.bigint) (out as BigInt64Array)[i] = BigInt(v as number);
    else (out as Float64Array)[i] = typeof v === 'boolean' ? Number(v) : v;
  }
  return out;
}

function decodeOutput(o: WireTensor, raw: Uint8Array[], i: number): InferOutput {
  const what = `output '${o.name}'`;
  if (!isDatatype(o.datatype)) throw new Error(`${what}: unsupported datatype ${String(o.datatype)}`);
  const shape = parseShape(o.shape, what);
  const data = raw.length > 0 ? fromRaw(raw[i] ?? new Uint8Array(), o.datatype, shape, what) : fromContents(o.contents, o.datatype, shape, what);
  return { name: o.name ?? '', datatype: o.datatype, shape, data };
}
