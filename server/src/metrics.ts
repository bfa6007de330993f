import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OverloadCause } from './errors.js';

type Labels = { model: string; version: string };


/**
 * Prometheus metrics on a private registry per server instance. The `nv_*` names mean what
 * Triton's do (docs/user_guide/metrics.md): request counters, inference vs execution counts
 * (their ratio is the average dynamic batch), and cumulative microsecond latency counters.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly success: Counter<'model' | 'version'>;
  private readonly failure: Counter<'model' | 'version' | 'reason'>;
  private readonly inferenceCount: Counter<'model' | 'version'>;
  private readonly execCount: Counter<'model' | 'version'>;
  private readonly requestUs: Counter<'model' | 'version'>;
  private readonly queueUs: Counter<'model' | 'version'>;
  private readonly computeUs: Counter<'model' | 'version'>;
  private readonly requestSeconds: Histogram<'model' | 'version' | 'status'>;
  private readonly batchSize: Histogram<'model' | 'version'>;
  private readonly httpRequests: Counter<'route' | 'status'>;
  private readonly overload: Counter<'cause'>;
  private readonly bufferedBytes: Gauge;
  private pendingSource: () => Array<Labels & { pending: number }> = () => [];
  private readonly grpcRequests: Counter<'method' | 'code'>;
  private readonly instanceDeaths: Counter<'model' | 'version'>;
  private readonly instanceRestarts: Counter<'model' | 'version'>;

  constructor() {
    const registers = [this.registry];
    const mv = ['model', 'version'] as const;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter({ name, help, labelNames, registers });
    this.success = counter('nv_inference_request_success', 'Number of successful inference requests, all batch sizes', mv);
    this.failure = counter('nv_inference_request_failure', 'Number of failed inference requests, all batch sizes', [...mv, 'reason']);
    this.inferenceCount = counter('nv_inference_count', 'Number of inferences performed (a batch of n counts n)', mv);
    this.execCount = counter('nv_inference_exec_count', 'Number of model executions performed (one per session.run)', mv);
    this.requestUs = counter('nv_inference_request_duration_us', 'Cumulative inference request duration in microseconds', mv);
    this.queueUs = counter('nv_inference_queue_duration_us', 'Cumulative inference queuing duration in microseconds', mv);
    this.computeUs = counter('nv_inference_compute_infer_duration_us', 'Cumulative compute inference duration in microseconds', mv);
    this.requestSeconds = new Histogram({
      name: 'modelship_request_duration_seconds',
      help: 'Inference request duration (receive to response), seconds',
      labelNames: [...mv, 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'modelship_batch_size',
      help: 'Batch size of each model execution after dynamic batching',
      labelNames: mv,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.httpRequests = counter('modelship_http_requests_total', 'HTTP requests by route kind and status', ['route', 'status']);
    this.grpcRequests = counter('modelship_grpc_requests_total', 'gRPC calls by method and status code', ['method', 'code']);
    this.instanceDeaths = counter('modelship_instance_deaths_total', 'Model instances whose worker thread exited or crashed while serving', mv);
    this.instanceRestarts = counter('modelship_instance_restarts_total', 'Model instances started again after a death (warm-up included)', mv);
    this.overload = counter('modelship_overload_rejections_total', 'Requests answered 503 + Retry-After by overload control, by cause', ['cause']);
    this.bufferedBytes = new Gauge({ name: 'modelship_buffered_request_bytes', help: 'Bytes of request bodies buffered in memory right now', registers });
    const pending = (): Array<Labels & { pending: number }> => this.pendingSource();
    new Gauge({
      name: 'nv_inference_pending_request_count',
      help: 'Instantaneous number of pending requests awaiting execution per-model',
      labelNames: mv,
      registers,
      collect() {
        this.reset();
        for (const p of pending()) this.set({ model: p.model, version: p.version }, p.pending);
      },
    });
  }

  /** Where nv_inference_pending_request_count reads the queues from, at scrape time. */
  setPendingSource(source: () => Array<Labels & { pending: number }>): void {
    this.pendingSource = source;
  }

  instanceDied(labels: Labels): void {
    this.instanceDeaths.inc(labels);
  }

  instanceRestarted(labels: Labels): void {
    this.instanceRestarts.inc(labels);
  }

  rejected(cause: OverloadCause): void {
    this.overload.inc({ cause });
  }

  buffered(bytes: number): void {
    this.bufferedBytes.set(bytes);
  }

  execution(labels: Labels, batchSize: number): void {
    this.execCount.inc(labels);
    this.batchSize.observe(labels, batchSize);
  }

  succeeded(labels: Labels, r: { batch: number; requestUs: number; queueUs: number; computeUs: number }): void {
    // computeUs: the execution's compute_input + compute_infer + compute_output inside the instance.
    this.success.inc(labels);
    this.inferenceCount.inc(labels, r.batch);
    this.requestUs.inc(labels, r.requestUs);
    this.queueUs.inc(labels, r.queueUs);
    this.computeUs.inc(labels, r.computeUs);
    this.requestSeconds.observe({ ...labels, status: '200' }, r.requestUs / 1e6);
  }

  /** Triton's failure reasons: REJECTED (refused before execution: bad input, overload), BACKEND (the execution failed), OTHER. */
  failed(labels: Labels, status: number, requestUs: number, reason?: 'REJECTED' | 'BACKEND' | 'OTHER'): void {
    this.failure.inc({ ...labels, reason: reason ?? (status >= 500 ? 'OTHER' : 'REJECTED') });
    this.requestSeconds.observe({ ...labels, status: String(status) }, requestUs / 1e6);
  }

  http(route: string, status: number): void {
    this.httpRequests.inc({ route, status: String(status) });
  }

  grpc(method: string, code: string): void {
    this.grpcRequests.inc({ method, code });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
