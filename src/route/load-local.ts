import type { Engine } from '../engine.js';
import type { Emitter } from '../emitter.js';
import { ModelshipError, isModelshipError, throwIfAborted } from '../errors.js';
import { obtainModelFiles, type ModelFiles } from '../fetch/model-files.js';
import type { Manifest } from '../manifest/types.js';
import { proveEngine } from '../plan/golden.js';
import type { PlanStep } from '../plan/plan.js';
import { createLocalEngine } from '../runtimes/local-engine.js';
import type { ModelCache } from '../store/model-cache.js';
import type { LoadOptions, ModelEvents } from '../types.js';
import { createWorkerEngine } from '../worker/host.js';
import type { Slot } from './slot.js';

const DEFAULT_LOAD_TIMEOUT_MS = 60_000;
export const DEFAULT_RUN_TIMEOUT_MS = 30_000;

export interface LocalContext {
  manifest: Manifest;
  /** Where the files resolve from. */
  manifestUrl: string;
  /** The URL the app asked for, kept with the cached version for offline loads and rollback. */
  cacheUrl?: string;
  manifestEtag?: string | null;
  cache: ModelCache | undefined;
  options: LoadOptions;
  events: Emitter<ModelEvents>;
}

/** Errors that no other runtime or variant would fix. */
const FINAL: ModelshipError['code'][] = ['ABORTED', 'INTEGRITY_MISMATCH', 'NETWORK'];

/** Tries the plan's steps in order; the first that loads and passes its golden proof wins. */
export async function loadLocal(steps: PlanStep[], context: LocalContext): Promise<Slot> {
  const failures: string[] = [];
  for (const [index, step] of steps.entries()) {
    throwIfAborted(context.options.signal);
    try {
      return await loadStep(step, context);
    } catch (error) {
      if (isModelshipError(error) && FINAL.includes(error.code)) throw error;
      failures.push(`${step.runtime}/${step.variant.id}: ${(error as Error).message}`);
      const next = steps[index + 1];
      if (next) {
        context.events.emit('fallback', {
          from: `local/${step.runtime}/${step.variant.id}`,
          to: `local/${next.runtime}/${next.variant.id}`,
          reason: (error as Error).message,
        });
      }
    }
  }
  throw new ModelshipError('BACKEND_UNAVAILABLE', `No local runtime could run ${context.manifest.name}@${context.manifest.version}:\n${failures.join('\n')}`, {
    details: { attempts: failures },
  });
}

async function loadStep(step: PlanStep, context: LocalContext): Promise<Slot> {
  const { manifest, options, events } = context;
  const getFiles = (): Promise<ModelFiles> =>
    obtainModelFiles({
      manifest,
      manifestUrl: context.manifestUrl,
      cacheUrl: context.cacheUrl,
      manifestEtag: context.manifestEtag,
      variant: step.variant,
      cache: context.cache,
      fetch: options.fetch,
      signal: options.signal,
      stallTimeoutMs: options.stallTimeoutMs,
      allowedOrigins: options.allowedOrigins,
      onProgress: options.onProgress,
      onWarning: (code, message, cause) => events.emit('warning', { code, message, cause }),
    });
  const first = await getFiles();
  options.onProgress?.({ type: 'compile', runtime: step.runtime });
  const config = {
    runtime: step.runtime,
    wasmPaths: resolveWasmPaths(options.wasmPaths),
    numThreads: options.numThreads ?? defaultThreads(),
    // tfjs names tensors after its layers; the adapter maps them to the manifest's names by position.
    io: { inputs: manifest.inputs.map((tensor) => tensor.name), outputs: manifest.outputs.map((tensor) => tensor.name) },
  };
  const runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  let pending: Uint8Array[] | undefined = first.files;
  let engine: Engine & { info?: { runtimeVersion: string }; runtimeVersion?: string };
  if (options.worker ?? typeof Worker !== 'undefined') {
    engine = await createWorkerEngine({
      config,
      // The first start uses the bytes in hand; a restart after a crash re-reads the cache or re-downloads.
      files: async () => {
        const files = pending ?? (await getFiles()).files;
        pending = undefined;
        return files;
      },
      loadTimeoutMs: options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
      runTimeoutMs,
    });
  } else {
    engine = await createLocalEngine(config, first.files, runTimeoutMs);
  }
  try {
    await proveEngine(engine, manifest, step.variant);
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return {
    route: 'local',
    manifest,
    engine,
    variant: step.variant,
    runtimeVersion: engine.info?.runtimeVersion ?? engine.runtimeVersion ?? 'unknown',
    reason: step.reason,
    cache: { status: first.status, bytes: first.bytes },
  };
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
