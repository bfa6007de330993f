import type { Engine } from './engine.js';
import { Emitter } from './emitter.js';
import { ModelshipError, isModelshipError, throwIfAborted } from './errors.js';
import { obtainModelFiles, type ModelFiles } from './fetch/model-files.js';
import { fetchManifest } from './manifest/fetch-manifest.js';
import { DEFAULT_LIMITS } from './manifest/limits.js';
import type { Manifest } from './manifest/types.js';
import { Model } from './model.js';
import { proveEngine } from './plan/golden.js';
import { planLocal, type PlanStep } from './plan/plan.js';
import { createLocalEngine } from './runtimes/local-engine.js';
import { openCache } from './store/open-cache.js';
import type { ModelCache } from './store/model-cache.js';
import type { LoadOptions, ModelEvents } from './types.js';
import { createWorkerEngine } from './worker/host.js';

const DEFAULT_LOAD_TIMEOUT_MS = 60_000;
const DEFAULT_RUN_TIMEOUT_MS = 30_000;

/**
 * Fetches and validates the manifest, gets verified model bytes (cache first), loads them into the
 * first runtime of the plan that passes its golden-vector proof, and returns a ready Model.
 */
export async function loadModel(manifestUrl: string, options: LoadOptions = {}): Promise<Model> {
  const events = new Emitter<ModelEvents>();
  if (options.onFallback) events.on('fallback', options.onFallback);
  if (options.onWarning) events.on('warning', options.onWarning);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { manifest, url } = await fetchManifest(manifestUrl, { fetch: options.fetch, signal: options.signal, limits });
  options.onProgress?.({ type: 'manifest', url, version: manifest.version });
  const cache = openCache(options.cache, options.cacheName);
  const plan = planLocal(manifest, options.variant);
  const failures: string[] = [];
  for (const [index, step] of plan.entries()) {
    throwIfAborted(options.signal);
    try {
      return await loadStep(step, { manifest, url, cache, options, events });
    } catch (error) {
      if (isModelshipError(error, 'ABORTED') || isModelshipError(error, 'INTEGRITY_MISMATCH') || isModelshipError(error, 'NETWORK')) {
        throw error;
      }
      failures.push(`${step.runtime}/${step.variant.id}: ${(error as Error).message}`);
      const next = plan[index + 1];
      if (next) {
        events.emit('fallback', {
          from: `${step.runtime}/${step.variant.id}`,
          to: `${next.runtime}/${next.variant.id}`,
          reason: (error as Error).message,
        });
      }
    }
  }
  throw new ModelshipError('BACKEND_UNAVAILABLE', `No runtime could run ${manifest.name}@${manifest.version}:\n${failures.join('\n')}`, {
    details: { attempts: failures },
  });
}

interface StepContext {
  manifest: Manifest;
  url: string;
  cache: ModelCache | undefined;
  options: LoadOptions;
  events: Emitter<ModelEvents>;
}

async function loadStep(step: PlanStep, context: StepContext): Promise<Model> {
  const { manifest, url, cache, options, events } = context;
  const getFiles = (): Promise<ModelFiles> =>
    obtainModelFiles({
      manifest,
      manifestUrl: url,
      variant: step.variant,
      cache,
      fetch: options.fetch,
      signal: options.signal,
      onProgress: options.onProgress,
      onWarning: (code, message, cause) => events.emit('warning', { code, message, cause }),
    });
  const first = await getFiles();
  options.onProgress?.({ type: 'compile', runtime: step.runtime });
  const config = {
    runtime: step.runtime,
    wasmPaths: resolveWasmPaths(options.wasmPaths),
    numThreads: options.numThreads ?? defaultThreads(),
  };
  const useWorker = options.worker ?? typeof Worker !== 'undefined';
  const runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  let pending: Uint8Array[] | undefined = first.files;
  const engine: Engine & { runtimeVersion?: string; info?: { runtimeVersion: string } } = useWorker
    ? await createWorkerEngine({
        config,
        // The first start uses the bytes in hand; a restart after a crash re-reads the cache or re-downloads.
        files: async () => {
          const files = pending ?? (await getFiles()).files;
          pending = undefined;
          return files;
        },
        loadTimeoutMs: options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
        runTimeoutMs,
      })
    : await createLocalEngine(config, first.files, runTimeoutMs);
  try {
    await proveEngine(engine, manifest, step.variant);
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  options.onProgress?.({ type: 'ready', runtime: engine.runtime, variant: step.variant.id, version: manifest.version });
  return new Model({
    manifest,
    manifestUrl: url,
    variant: step.variant,
    engine,
    runtimeVersion: engine.info?.runtimeVersion ?? engine.runtimeVersion ?? 'unknown',
    reason: step.reason,
    cache: { status: first.status, bytes: first.bytes },
    events,
  });
}

function resolveWasmPaths(option: string | undefined): string {
  const base = typeof location === 'undefined' ? import.meta.url : location.href;
  return new URL(option ?? new URL('../wasm/', import.meta.url).href, base).href;
}

// onnxruntime-web uses threads only when the page is cross-origin isolated; on 2 cores one thread wins at batch 1.
function defaultThreads(): number {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const cores = typeof navigator === 'undefined' ? 1 : (navigator.hardwareConcurrency ?? 1);
  return isolated ? Math.max(1, Math.min(4, Math.floor(cores / 2))) : 1;
}
