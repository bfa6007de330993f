import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphOptimizationLevel } from './config.js';
import type { InstancePriority } from './instances/cpu-priority.js';
import type { CorsOptions } from './cors.js';
import type { FeedbackServerOptions } from './feedback/intake.js';
import { IMMUTABLE, REVALIDATE, type StaticMount } from './static.js';

export interface StaticRoots {
  /** Served at '/', default `<package>/demo`. */
  demo?: string;
  /** Served at '/dist/', default `<package>/dist`. */
  dist?: string;
  /** Served at '/models/', default `<package>/models`. */
  models?: string;
  /** Served at '/wasm/', default `<package>/wasm`. */
  wasm?: string;
  /**
   * Its `sw.js` is served at '/sw.js', default `<package>/dist/sw` (built by scripts/build-sw.mjs).
   * A service worker controls only URLs under its own path, so the demo's must sit at the root;
   * a mapping keeps build output out of demo/.
   */
  serviceWorker?: string;
}

export interface ServerOptions {
  /** Triton-layout model repository; default `<package>/models/repository`. */
  modelRepository?: string;
  /** Static roots (defaults relative to the package root), or false to serve no files. */
  static?: StaticRoots | false;
  /** Bearer token required on /v1 and /v2 (except /v2/health/*, for probes). */
  token?: string;
  /** Default: any origin. */
  cors?: CorsOptions | false;
  /** Send COOP same-origin + COEP require-corp so the demo can use WASM threads. */
  crossOriginIsolation?: boolean;
  /** undefined: per the model's dynamic_batching config; false: one session.run per request. */
  batching?: boolean;
  maxBatchSize?: number;
  maxQueueDelayUs?: number;
  /** Model instances (worker threads, one session each) per version; default: the config's instance_group count (Triton's onnxruntime CPU default, 2, when unset). */
  instances?: number;
  intraOpNumThreads?: number;
  /**
   * Added to the nice value of every model-instance thread (Linux: per thread, inherited by
   * onnxruntime's threads), 0–19; default 10. Compute then yields the CPU to the event loop, so
   * probes and small requests are answered while instances compute. 0: instances compete with
   * the event loop as equals. `idle`: nice 19 and Linux's SCHED_IDLE, so the event loop preempts
   * compute the moment it wakes; instances then starve while any other normal-priority work keeps
   * the cores busy, so use it where the server has its cgroup to itself (a container), not on a
   * shared host (instances/cpu-priority.ts).
   */
  instanceNice?: InstancePriority;
  /** Overrides every model's `optimization { graph { level } }`; default per model, else 'all' as in Triton and the browser runtime. */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Largest request body; Triton's --http-max-input-size default is 64 MiB. */
  maxBodyBytes?: number;
  /** Bytes of request bodies buffered at once across all requests (default 256 MiB); past it, 503 + Retry-After. */
  maxBufferedBodyBytes?: number;
  /** Retry-After, seconds, on 503s from overload control (queue full, queue timeout, body memory). Default 1. */
  retryAfterSeconds?: number;
  /** Re-scan the model repository every N seconds (fractions allowed) and (re)load what changed (Triton's --repository-poll-secs); 0: off (default). */
  repositoryPollSecs?: number;
  /** Time allowed to receive a whole request (Node's server.requestTimeout). */
  requestTimeoutMs?: number;
  /** Time a request may wait in a batch queue before it is answered 504. */
  inferTimeoutMs?: number;
  /** close() waits this long for in-flight requests before cutting connections. */
  shutdownTimeoutMs?: number;
  /**
   * Static files compressed by content negotiation (brotli, gzip): precompressed `.br`/`.gz`
   * siblings when present, otherwise made on first request into `cacheDir` (default
   * `<tmpdir>/modelship-static-cache`). false: send files as they are.
   */
  compression?: { cacheDir?: string } | false;
  /** Serve /metrics (default true). */
  metrics?: boolean;
  /** Accept device reports at POST /monitoring/reports and serve /dashboard (default true). */
  monitoring?: boolean;
  /** The dashboard's period: reports are summed per period of this many ms (default 60000). */
  monitoringPeriodMs?: number;
  /** Feedback intake (`POST /feedback`) and where it stores; off unless set (`--data-dir`). */
  feedback?: FeedbackServerOptions | false;
  log?: (message: string) => void;
}

export type ResolvedOptions = Required<Omit<ServerOptions, 'static' | 'compression' | 'maxBatchSize' | 'maxQueueDelayUs' | 'instances' | 'intraOpNumThreads' | 'instanceNice' | 'token' | 'batching' | 'graphOptimizationLevel'>> &
  Pick<ServerOptions, 'maxBatchSize' | 'maxQueueDelayUs' | 'instances' | 'intraOpNumThreads' | 'instanceNice' | 'token' | 'batching' | 'graphOptimizationLevel'> & { mounts: StaticMount[]; compressionCacheDir: string | undefined };

/** The folder of modelship's own package.json, found by walking up: sources and bundled chunks sit at different depths. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  // Installed on its own, @modelship/server is the root: the example models ship inside it (copied at pack time).
  let installed: string | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (name === 'modelship') return dir;
      if (name === '@modelship/server') installed ??= dir;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) return installed ?? resolve(start, '..', '..');
  }
}

/** Content-addressed model files never change under one URL; manifests and inventories must revalidate. */
const modelsCache = (rel: string): string => (rel.endsWith('manifest.json') ? REVALIDATE : IMMUTABLE);
const wasmCache = (rel: string): string => (rel.endsWith('.json') ? REVALIDATE : IMMUTABLE);
/**
 * Rollup names lazy chunks `chunks/<name>-<hash>.js`: new content, new name, so they never need a
 * revalidation round trip (a warm visit imports several). Entry files keep fixed names: revalidated.
 */
const distCache = (rel: string): string => (/^chunks\/[\w.-]+-[\w-]{8}\.js$/.test(rel) ? IMMUTABLE : REVALIDATE);

export function resolveOptions(o: ServerOptions): ResolvedOptions {
  const roots = o.static === false ? undefined : o.static ?? {};
  const mounts: StaticMount[] = roots
    ? [
        { prefix: '/', root: resolve(roots.demo ?? join(PACKAGE_ROOT, 'demo')), cacheControl: () => REVALIDATE },
        { prefix: '/', root: resolve(roots.serviceWorker ?? join(PACKAGE_ROOT, 'dist', 'sw')), cacheControl: () => REVALIDATE, only: ['sw.js'] },
        { prefix: '/dist/', root: resolve(roots.dist ?? join(PACKAGE_ROOT, 'dist')), cacheControl: distCache },
        { prefix: '/models/', root: resolve(roots.models ?? join(PACKAGE_ROOT, 'models')), cacheControl: modelsCache },
        { prefix: '/wasm/', root: resolve(roots.wasm ?? join(PACKAGE_ROOT, 'wasm')), cacheControl: wasmCache },
      ]
    : [];
  return {
    modelRepository: resolve(o.modelRepository ?? join(PACKAGE_ROOT, 'models', 'repository')),
    mounts,
    compressionCacheDir: o.compression === false ? undefined : resolve(o.compression?.cacheDir ?? join(tmpdir(), 'modelship-static-cache')),
    token: o.token,
    cors: o.cors ?? { origins: '*' },
    crossOriginIsolation: o.crossOriginIsolation ?? false,
    batching: o.batching,
    maxBatchSize: o.maxBatchSize,
    maxQueueDelayUs: o.maxQueueDelayUs,
    instances: o.instances,
    intraOpNumThreads: o.intraOpNumThreads,
    instanceNice: o.instanceNice,
    graphOptimizationLevel: o.graphOptimizationLevel,
    maxBodyBytes: o.maxBodyBytes ?? 64 * 1024 * 1024,
    maxBufferedBodyBytes: o.maxBufferedBodyBytes ?? 256 * 1024 * 1024,
    retryAfterSeconds: o.retryAfterSeconds ?? 1,
    repositoryPollSecs: o.repositoryPollSecs ?? 0,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
    inferTimeoutMs: o.inferTimeoutMs ?? 30_000,
    shutdownTimeoutMs: o.shutdownTimeoutMs ?? 10_000,
    metrics: o.metrics ?? true,
    monitoring: o.monitoring ?? true,
    monitoringPeriodMs: o.monitoringPeriodMs ?? 60_000,
    log: o.log ?? (() => undefined),
    feedback: o.feedback ?? false,
  };
}
