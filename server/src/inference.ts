import { performance } from 'node:perf_hooks';
import { DynamicBatcher } from './batcher.js';
import type { TensorSpec } from './config.js';
import { badRequest, HttpError } from './errors.js';
import { DirectExecutor, type ExecResult, type Executor, type Tensor } from './executor.js';
import type { ServerMetrics } from './metrics.js';
import { errorStatus } from './http.js';
import type { ModelRepository, ModelVersion } from './repository.js';

export interface InferenceSettings {
  /** undefined: batch when the model's config has a dynamic_batching block; true/false force it. */
  batching: boolean | undefined;
  /** Overrides config max_batch_size (largest batch per request and per coalesced run). */
  maxBatchSize: number | undefined;
  /** Overrides dynamic_batching.max_queue_delay_microseconds. */
  maxQueueDelayUs: number | undefined;
  /** Overrides instance_group count: batches in flight per version when batching. */
  instances: number | undefined;
  /** A request still queued after this long is answered 504. */
  inferTimeoutMs: number;
}

export interface DeclaredInput {
  name: string;
  datatype: string;
  shape: number[];
}

/** Model-independent part of an inference: validation against the config, execution, metrics. */
export class InferenceService {
  private readonly executors = new Map<ModelVersion, Executor>();
  private closing = false;

  constructor(
    readonly repository: ModelRepository,
    private readonly metrics: ServerMetrics,
    private readonly settings: InferenceSettings,
  ) {}

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
    this.metrics.succeeded(
      { model: v.model, version: v.version },
      { batch, requestUs: Math.round((performance.now() - startedAt) * 1000), queueUs: result.queueUs, computeUs: result.computeUs },
    );
  }

  /**
   * Resolves the ready version and runs one protocol's request handler on it, counting any
   * failure in that version's metrics (both REST protocols share this accounting).
   */
  async handle<T>(name: string, version: string | undefined, startedAt: number, handler: (v: ModelVersion) => Promise<T>): Promise<T> {
    const v = this.repository.resolveReady(name, version);
    try {
      return await handler(v);
    } catch (err) {
      this.failed(v, errorStatus(err), startedAt);
      throw err;
    }
  }

  private failed(v: ModelVersion, status: number, startedAt: number): void {
    this.metrics.failed({ model: v.model, version: v.version }, status, Math.round((performance.now() - startedAt) * 1000));
  }

  private executor(v: ModelVersion): Executor {
    let ex = this.executors.get(v);
    if (ex) return ex;
    const session = this.repository.resolveReady(v.model, v.version).session;
    const labels = { model: v.model, version: v.version };
    const onExecution = (n: number): void => this.metrics.execution(labels, n);
    const max = this.maxBatch(v);
    const batching = max > 0 && (this.settings.batching ?? v.config.dynamicBatching !== undefined);
    ex = batching
      ? new DynamicBatcher(session, {
          maxBatchSize: max,
          maxQueueDelayUs: this.settings.maxQueueDelayUs ?? v.config.dynamicBatching?.maxQueueDelayMicroseconds ?? 0,
          preferredBatchSizes: v.config.dynamicBatching?.preferredBatchSize ?? [],
          instances: this.settings.instances ?? v.config.instanceCount,
        }, onExecution)
      : new DirectExecutor(session, onExecution);
    this.executors.set(v, ex);
    return ex;
  }

  /** Refuses new work and waits for queued and running executions. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.executors.values()].map((e) => e.drain()));
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

