import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBearerAuth } from './auth.js';
import { FeedbackIntake } from './feedback/intake.js';
import { BodyBudget } from './body-budget.js';
import { createGrpcServer, type GrpcInferenceServer } from './grpc/server.js';
import { InferenceService } from './inference.js';
import { ServerMetrics } from './metrics.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { ModelRepository } from './repository.js';
import { Registry } from 'prom-client';
import { createMonitoringRoutes } from './monitoring/routes.js';
import { createRouter } from './router.js';
import { StaticFiles } from './static.js';
import { CompressedVariants } from './static-compression.js';

export const SERVER_VERSION = '0.1.0';

export interface ModelshipServer {
  readonly http: Server;
  readonly repository: ModelRepository;
  /** The protocol-independent inference path, for other front ends (e.g. gRPC) on the same batcher. */
  readonly service: InferenceService;
  readonly metrics: ServerMetrics | undefined;
  /** Settles when every model version has loaded or failed to load. */
  readonly loaded: Promise<void>;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /** Resolves with the base URL, e.g. `http://127.0.0.1:8080`. Port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<string>;
  /** Serves `inference.GRPCInferenceService` too; resolves with `host:port`. Port 0 picks a free port. */
  listenGrpc(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then disposes the sessions. */
  close(): Promise<void>;
}

export function createServer(options: ServerOptions = {}): ModelshipServer {
  const o = resolveOptions(options);
  const metrics = o.metrics ? new ServerMetrics() : undefined;
  // Without /metrics the counters still need a sink; a private registry nobody reads costs little.
  const sink = metrics ?? new ServerMetrics();
  const repository = new ModelRepository(o.modelRepository, {
    graphOptimizationLevel: o.graphOptimizationLevel,
    intraOpNumThreads: o.intraOpNumThreads,
    instances: o.instances,
    instanceNice: o.instanceNice,
  }, o.log, {
    instanceEvents: {
      death: (model, version) => sink.instanceDied({ model, version }),
      restart: (model, version) => sink.instanceRestarted({ model, version }),
    },
  });
  const service = new InferenceService(repository, sink, {
    batching: o.batching,
    maxBatchSize: o.maxBatchSize,
    maxQueueDelayUs: o.maxQueueDelayUs,
    inferTimeoutMs: o.inferTimeoutMs,
    retryAfterSeconds: o.retryAfterSeconds,
  });
  let isLoaded = false;
  let closing: Promise<void> | undefined;
  let poll: NodeJS.Timeout | undefined;
  const loaded = repository.load().then(() => {
    isLoaded = true;
    for (const p of repository.problems) o.log(`model ${p.model}: ${p.message}`);
    if (o.repositoryPollSecs > 0 && closing === undefined) poll = startPolling(repository, o.repositoryPollSecs * 1000, () => closing !== undefined);
  });

  const feedback = o.feedback ? new FeedbackIntake(o.feedback) : undefined;
  const authorize = createBearerAuth(o.token);
  const isReady = (): boolean => isLoaded && closing === undefined && repository.allReady;
  const body = { maxBytes: o.maxBodyBytes, budget: new BodyBudget(o.maxBufferedBodyBytes, (n: number) => sink.buffered(n)), retryAfterSeconds: o.retryAfterSeconds };
  const router = createRouter({
    service,
    metrics,
    files: o.mounts.length > 0 ? new StaticFiles(o.mounts, o.compressionCacheDir === undefined ? undefined : new CompressedVariants(o.compressionCacheDir)) : undefined,
    cors: o.cors,
    crossOriginIsolation: o.crossOriginIsolation,
    authorize,
    body,
    version: SERVER_VERSION,
    isClosing: () => closing !== undefined,
    isReady,
    routes: [
      ...(feedback ? [feedback.route(authorize)] : []),
      ...(o.monitoring ? [{ name: 'monitoring', handle: createMonitoringRoutes({
              registry: metrics?.registry ?? new Registry(),
              authorize,
              body,
              periodMs: o.monitoringPeriodMs,
              feedbackSummary: feedback ? (model: string) => feedback.store.summary(model) : undefined,
            }) }] : []),
    ],
  });
  let grpc: GrpcInferenceServer | undefined;
  const listenGrpc = (port = 0, host = '127.0.0.1'): Promise<string> => {
    grpc ??= createGrpcServer({
      service,
      metrics,
      authorize,
      version: SERVER_VERSION,
      maxMessageBytes: o.maxBodyBytes,
      body,
      isClosing: () => closing !== undefined,
      isReady,
    });
    return grpc.listen(port, host);
  };

  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  const http = createHttpServer({ requestTimeout: o.requestTimeoutMs, headersTimeout: Math.min(o.requestTimeoutMs, 60_000) }, (req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) onIdle?.();
    });
    router(req, res);
  });

  const listen = (port = 0, host = '127.0.0.1'): Promise<string> =>
    new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        const addr = http.address() as AddressInfo;
        const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        resolve(`http://${shown}:${addr.port}`);
      });
    });

  const shutdown = async (): Promise<void> => {
    clearTimeout(poll);
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const grpcClosed = grpc?.close(o.shutdownTimeoutMs);
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, o.shutdownTimeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    http.closeAllConnections();
    await closed;
    await grpcClosed;
    await service.close();
    await loaded;
    await repository.dispose();
    feedback?.close();
  };

  return {
    http,
    repository,
    service,
    metrics,
    loaded,
    get inFlight() {
      return inFlight;
    },
    listen,
    listenGrpc,
    close: () => (closing ??= shutdown()),
  };
}

/** One poll at a time: the next is scheduled when the previous has finished. */
function startPolling(repository: ModelRepository, everyMs: number, stopped: () => boolean): NodeJS.Timeout {
  const timer: NodeJS.Timeout = setTimeout(function tick() {
    void repository.poll().finally(() => {
      if (!stopped()) timer.refresh();
    });
  }, everyMs);
  timer.unref();
  return timer;
}
