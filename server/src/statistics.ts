import type { ComputeTimes } from './instances/protocol.js';

/** Triton's statistics extension (docs/protocol/extension_statistics.md): `$duration_stat`. */
interface DurationStat {
  count: number;
  ns: number;
}

const zero = (): DurationStat => ({ count: 0, ns: 0 });
const add = (s: DurationStat, ns: number, count = 1): void => {
  s.count += count;
  s.ns += Math.round(ns);
};

interface BatchStat {
  compute_input: DurationStat;
  compute_infer: DurationStat;
  compute_output: DurationStat;
}

/** Cumulative statistics of one model version since the server started (kept across reloads, as Triton does). */
class VersionStatistics {
  lastInference = 0;
  inferenceCount = 0;
  executionCount = 0;
  readonly inference = {
    success: zero(),
    fail: zero(),
    queue: zero(),
    compute_input: zero(),
    compute_infer: zero(),
    compute_output: zero(),
    cache_hit: zero(),
    cache_miss: zero(),
  };
  readonly batches = new Map<number, BatchStat>();

  toJSON(name: string, version: string): unknown {
    return {
      name,
      version,
      last_inference: this.lastInference,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats: this.inference,
      response_stats: {},
      batch_stats: [...this.batches.entries()].sort(([a], [b]) => a - b).map(([batch_size, s]) => ({ batch_size, ...s })),
      memory_usage: [],
    };
  }
}

/** Per model version, keyed by name and version so a reloaded version continues its counts. */
export class InferenceStatistics {
  private readonly byVersion = new Map<string, VersionStatistics>();

  private of(model: string, version: string): VersionStatistics {
    const key = `${model}\u0000${version}`;
    let s = this.byVersion.get(key);
    if (!s) this.byVersion.set(key, (s = new VersionStatistics()));
    return s;
  }

  /** One execution of `batchSize` inferences (one per instance run). */
  execution(model: string, version: string, batchSize: number, t: ComputeTimes): void {
    const s = this.of(model, version);
    s.executionCount++;
    let b = s.batches.get(batchSize);
    if (!b) s.batches.set(batchSize, (b = { compute_input: zero(), compute_infer: zero(), compute_output: zero() }));
    add(b.compute_input, t.inputNs);
    add(b.compute_infer, t.inferNs);
    add(b.compute_output, t.outputNs);
  }

  /** A successful request: Triton counts queue and compute per request, the execution's compute shared by every request in it. */
  succeeded(model: string, version: string, r: { batch: number; requestNs: number; queueNs: number; times: ComputeTimes }): void {
    const s = this.of(model, version);
    s.lastInference = Date.now();
    s.inferenceCount += r.batch;
    add(s.inference.success, r.requestNs);
    add(s.inference.queue, r.queueNs);
    add(s.inference.compute_input, r.times.inputNs);
    add(s.inference.compute_infer, r.times.inferNs);
    add(s.inference.compute_output, r.times.outputNs);
  }

  failed(model: string, version: string, requestNs: number): void {
    const s = this.of(model, version);
    s.lastInference = Date.now();
    add(s.inference.fail, requestNs);
  }

  /** `$stats_model_response` for the given (model, version) pairs, in that order. */
  response(versions: Array<{ model: string; version: string }>): { model_stats: unknown[] } {
    return { model_stats: versions.map((v) => this.of(v.model, v.version).toJSON(v.model, v.version)) };
  }
}
