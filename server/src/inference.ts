import { performance } from 'node:perf_hooks';
import { DynamicBatcher } from './batcher.js';
import type { TensorSpec } from './config.js';
import { badRequest, HttpError, isHttpError, overloaded } from './errors.js';
import type { ExecResult, ExecutionListener, Executor, Tensor } from './executor.js';
import type { ServerMetrics } from './metrics.js';
import { errorStatus } from './http.js';
import type { ModelRepository, ModelVersion } from './repository.js';
import { InferenceStatistics } from './statistics.js';

export interface InferenceSettings {
  /** undefined: batch when the model's config has a dynamic_batching block; true/false force it. */
  batching: boolean | undefined;
  /** Overrides config max_batch_size (largest batch per request and per coalesced run). */
  maxBatchSize: number | undefined;
  /** Overrides dynamic_batching.max_queue_delay_microseconds. */
  maxQueueDelayUs: number | undefined;
  /** A request still queued after this long is answered 504. */
  inferTimeoutMs: number;
  /** Retry-After (seconds) sent with a 503 from the queue policy. */
  retryAfterSeconds: number;
}

export interface DeclaredInput {
  name: string;
  datatype: string;
  shape: number[];
}

/**
 * Model-independent part of an inference, shared by every front end (REST V2, TF Serving, gRPC):
 * validation against the config, scheduling onto the version's instances, metrics and statistics.
 * A front end calls `handle(name, version, startedAt, v => …)`, inside it `check`, then `run`,
 * then `succeeded`; failures thrown inside are counted for that version.
 */
export class InferenceService {
  private readonly executors = new WeakMap<ModelVersion, Executor>();
  private readonly live = new Set<{ v: ModelVersion; ex: Executor }>();
  private closing = false;
  /** Triton's statistics extension (GET /v2/models/stats). */
  readonly statistics = new InferenceStatistics();

  constructor(
    readonly repository: ModelRepository,
    private readonly metrics: ServerMetrics,
    private readonly settings: InferenceSettings,
  ) {
    metrics.setPendingSource(() => {
      // A released version (after a reload or unload) has nothing queued; forget its executor.
      for (const e of this.live) if (e.v.state === 'unloaded') this.live.delete(e);
      return [...this.live].map(({ v, ex }) => ({ model: v.model, version: v.version, pending: ex.pending }));
    });
  }

  maxBatch(v: ModelVersion): number {
    return v.config.maxBatchSize > 0 ? (this.settings.maxBatchSize ?? v.config.maxBatchSize) : 0;
  }

  /**
   * Checks names, datatypes and shapes (before any data is decoded, so a bogus shape cannot
   * make the server allocate) and returns the inputs in config order with the batch size.
   */
  check<T extends DeclaredInput>(v: ModelVersion, given: T[]): { ordered: T[]; batch: number } {
    const byName = new Map<string, T>();
    for (const g of given) {
      if (byName.has(g.name)) throw badRequest(`input '${g.name}' is given more than once`);
      if (!v.config.inputs.some((s) => s.name === g.name)) {
        throw badRequest(`unexpected inference input '${g.name}' for model '${v.model}'`);
      }
      byName.set(g.name, g);
    }
    const max = this.maxBatch(v);
    let batch: number | undefined;
    const ordered = v.config.inputs.map((spec) => {
      const g = byName.get(spec.name);
      if (!g) throw badRequest(`expected input '${spec.name}' for model '${v.model}'`);
      if (g.datatype !== spec.datatype) {
        throw badRequest(`input '${spec.name}': unexpected datatype ${g.datatype}, model expects ${spec.datatype}`);
      }
      const b = checkShape(spec, g.shape, max);
      if (batch !== undefined && b !== batch) throw badRequest('all inputs must have the same batch size');
      batch = b;
      return g;
    });
    return { ordered, batch: batch ?? 1 };
  }

  /** Runs validated tensors; records Triton's counters for this model version. */
  async run(v: ModelVersion, inputs: Tensor[], batch: number): Promise<ExecResult> {
    if (this.closing) throw new HttpError('NOT_READY', 'server is shutting down');
    try {
      return await this.executor(v).infer(inputs, batch, performance.now() + this.settings.inferTimeoutMs);
    } catch (err) {
      throw err instanceof HttpError ? err : new HttpError('INTERNAL', `inference failed: ${(err as Error).message}`, { cause: err });
    }
  }

  succeeded(v: ModelVersion, batch: number, result: ExecResult, startedAt: number): void {
    const requestNs = (performance.now() - startedAt) * 1e6;
    const t = result.times;
    this.metrics.succeeded(
      { model: v.model, version: v.version },
      { batch, requestUs: Math.round(requestNs / 1000), queueUs: Math.round(result.queueNs / 1000), computeUs: Math.round((t.inputNs + t.inferNs + t.outputNs) / 1000) },
    );
    this.statistics.succeeded(v.model, v.version, { batch, requestNs, queueNs: result.queueNs, times: t });
  }

  /** `$stats_model_response` for every served version, one model's, or one version's (404 for unknown ones). */
  stats(name?: string, version?: string): { model_stats: unknown[] } {
    const repo = this.repository;
    let versions: ModelVersion[];
    if (name === undefined) versions = [...repo.models.values()].flatMap((m) => m.versions);
    else if (version !== undefined) versions = [repo.resolve(name, version)];
    else {
      repo.resolve(name, undefined); // 404 for an unknown model
      versions = repo.models.get(name)!.versions;
    }
    return this.statistics.response(versions.map((v) => ({ model: v.model, version: v.version })));
  }

  /**
   * Resolves the ready version and runs one protocol's request handler on it, counting any
   * failure in that version's metrics (both REST protocols share this accounting).
   */
  async handle<T>(name: string, version: string | undefined, startedAt: number, handler: (v: ModelVersion) => Promise<T>): Promise<T> {
    const v = this.repository.resolveReady(name, version);
    // The version cannot be released under this request, even if a reload swaps it out meanwhile.
    this.repository.acquire(v);
    try {
      return await handler(v);
    } catch (err) {
      this.failed(v, err, startedAt);
      throw err;
    } finally {
      this.repository.release(v);
    }
  }

  /**
   * Early admission: refuses a request for a version whose queue is already full before its
   * body is read or decoded (503 + Retry-After, counted like a queue rejection), so turning
   * requests away stays cheap when the server is most loaded. The queue checks again on entry.
   */
  admit(name: string, version: string | undefined, startedAt: number): void {
    const v = this.repository.resolve(name, version);
    const limit = v.config.queuePolicy.maxQueueSize;
    const ex = this.executors.get(v);
    if (limit === 0 || !ex || ex.pending < limit) return;
    const err = overloaded(`the queue of this model is full (max_queue_size ${limit})`, this.settings.retryAfterSeconds, 'queue_full');
    this.failed(v, err, startedAt);
    throw err;
  }

  private failed(v: ModelVersion, err: unknown, startedAt: number): void {
    const requestNs = (performance.now() - startedAt) * 1e6;
    const status = errorStatus(err);
    const cause = isHttpError(err) ? err.overload : undefined;
    if (cause) this.metrics.rejected(cause);
    this.metrics.failed({ model: v.model, version: v.version }, status, Math.round(requestNs / 1000), cause ? 'REJECTED' : undefined);
    this.statistics.failed(v.model, v.version, requestNs);
  }

  private executor(v: ModelVersion): Executor {
    let ex = this.executors.get(v);
    if (ex) return ex;
    const onExecution: ExecutionListener = (n, times) => {
      this.metrics.execution({ model: v.model, version: v.version }, n);
      this.statistics.execution(v.model, v.version, n, times);
    };
    const max = this.maxBatch(v);
    const coalesce = max > 0 && (this.settings.batching ?? v.config.dynamicBatching !== undefined);
    ex = new DynamicBatcher(v.instances, {
      coalesce,
      maxBatchSize: max,
      maxQueueDelayUs: this.settings.maxQueueDelayUs ?? v.config.dynamicBatching?.maxQueueDelayMicroseconds ?? 0,
      preferredBatchSizes: v.config.dynamicBatching?.preferredBatchSize ?? [],
      queuePolicy: v.config.queuePolicy,
      retryAfterSeconds: this.settings.retryAfterSeconds,
    }, onExecution);
    this.executors.set(v, ex);
    const entry = { v, ex };
    this.live.add(entry);
    return ex;
  }

  /** Refuses new work and waits for queued and running executions. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.live].map(({ ex }) => ex.drain()));
  }
}

function checkShape(spec: TensorSpec, shape: number[], maxBatch: number): number {
  const expected = maxBatch > 0 ? [-1, ...spec.dims] : spec.dims;
  const show = (s: number[]): string => `[${s.join(',')}]`;
  const ok = shape.length === expected.length && shape.every((d, i) => expected[i] === -1 || d === expected[i]);
  if (!ok) throw badRequest(`input '${spec.name}': unexpected shape ${show(shape)}, model expects ${show(expected)}`);
  if (maxBatch === 0) return 1;
  const batch = shape[0]!;
  if (batch < 1) throw badRequest(`input '${spec.name}': batch size must be at least 1`);
  if (batch > maxBatch) {
    throw badRequest(`inference request batch-size must be <= ${maxBatch} for '${spec.name}', got ${batch}`);
  }
  return batch;
}

export function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
}

