import type { Engine } from '../engine.js';
import { ModelshipError, isModelshipError, throwIfAborted } from '../errors.js';
import { obtainModelFiles, type ModelFiles } from '../fetch/model-files.js';
import type { PlanStep } from '../plan/plan.js';
import type { Slot } from '../route/slot.js';
import type { Manifest } from '../manifest/types.js';
import type { RuntimeConfig, RuntimeName } from '../runtimes/types.js';
import { spawnWorker, type WorkerHandle } from '../worker/host.js';
import { lifetimeScope, warnVia, type LoadScope, type ModelContext, type ModelSettings } from './context.js';
import { timed, type TimedPhase } from './timings.js';
import { exclusive } from './exclusive.js';
import type { ResolvedManifest } from './resolved-manifest.js';
import { runtimeKey } from '../plan/warm-runtimes.js';

const DEFAULT_LOAD_TIMEOUT_MS = 60_000;
export const DEFAULT_RUN_TIMEOUT_MS = 30_000;

export interface LocalLoad {
  resolved: ResolvedManifest;
  model: ModelContext;
  scope: LoadScope;
}

/** Errors that no other runtime or variant would fix. */
const FINAL: ModelshipError['code'][] = ['ABORTED', 'INTEGRITY_MISMATCH', 'NETWORK'];

/** Tries the plan's steps in order; the first that loads and passes its golden proof wins. */
export async function loadLocal(steps: PlanStep[], load: LocalLoad): Promise<Slot> {
  const failures: string[] = [];
  const { manifest } = load.resolved;
  for (const [index, step] of steps.entries()) {
    throwIfAborted(load.scope.signal);
    try {
      return await loadStep(step, load);
    } catch (error) {
      if (isModelshipError(error) && FINAL.includes(error.code)) throw error;
      failures.push(`${step.runtime}/${step.variant.id}: ${(error as Error).message}`);
      // A missing file is the app's deployment mistake, never a reason to go quietly slower.
      if (isModelshipError(error) && error.details['reason'] === 'asset-missing') {
        load.model.events.emit('warning', { code: 'ASSET_MISSING', message: error.message, cause: error });
      }
      const next = steps[index + 1];
      if (next) {
        load.model.events.emit('fallback', {
          from: `local/${step.runtime}/${step.variant.id}`,
          to: `local/${next.runtime}/${next.variant.id}`,
          reason: (error as Error).message,
        });
      }
    }
  }
  throw new ModelshipError('BACKEND_UNAVAILABLE', `No local runtime could run ${manifest.name}@${manifest.version}:\n${failures.join('\n')}`, {
    details: { attempts: failures },
  });
}

/** The files step: cache or download, one tab at a time when the cache is shared between tabs. */
function filesFor(step: PlanStep, load: LocalLoad): (scope: LoadScope) => Promise<ModelFiles> {
  const { resolved, model } = load;
  const { manifest } = resolved;
  const warn = warnVia(model.events);
  let reportedNoLocks = false;
  return (scope) => {
    const obtain = (): Promise<ModelFiles> =>
      obtainModelFiles({
        manifest,
        manifestUrl: resolved.filesUrl,
        cacheUrl: resolved.cacheUrl,
        manifestEtag: resolved.etag,
        variant: step.variant,
        cache: model.cache,
        fetch: model.settings.fetch,
        signal: scope.signal,
        stallTimeoutMs: model.settings.stallTimeoutMs,
        allowedOrigins: model.settings.allowedOrigins,
        onProgress: scope.onProgress,
        onWarning: warn,
      });
    if (!model.sharedCache) return obtain();
    return exclusive(`modelship:files:${manifest.name}@${manifest.version}#${step.variant.id}`, obtain, {
      signal: scope.signal,
      onUnavailable: () => {
        if (reportedNoLocks) return;
        reportedNoLocks = true;
        warn('LOCKS_UNAVAILABLE', 'No Web Locks API here: tabs that load this model at the same time each download it');
      },
    });
  };
}

/** The settings a runtime starts with; the same for a worker started early (prestart.ts) and one started here. */
export function runtimeConfig(runtime: RuntimeName, settings: ModelSettings, manifest: Manifest): RuntimeConfig {
  return {
    runtime,
    wasmPaths: resolveWasmPaths(settings.wasmPaths),
    numThreads: settings.numThreads ?? defaultThreads(),
    // tfjs names tensors after its layers; the adapter maps them to the manifest's names by position.
    io: { inputs: manifest.inputs.map((tensor) => tensor.name), outputs: manifest.outputs.map((tensor) => tensor.name) },
  };
}

/** Workers are the default wherever they exist; the in-thread engine is for Node and hosts without them. */
export const usesWorker = (settings: ModelSettings): boolean => settings.worker ?? typeof Worker !== 'undefined';

async function loadStep(step: PlanStep, load: LocalLoad): Promise<Slot> {
  const { model, scope } = load;
  const { manifest } = load.resolved;
  const { settings } = model;
  const getFiles = filesFor(step, load);
  const phases: TimedPhase[] = [];
  // The proof's code and the worker engine's are chunks of their own, fetched while the files are.
  const proof = import('../proof/golden.js');
  proof.catch(() => undefined);
  const workerEngine = usesWorker(settings) ? import('../worker/worker-engine.js') : undefined;
  workerEngine?.catch(() => undefined);
  // Its download is counted for a load that reports progress, unless the runtime started here before
  // (the plan's rule too: its files are in the HTTP cache, so there is nothing to wait for).
  const reportDownload = scope.onProgress !== undefined && !model.warm?.has(runtimeKey(step.runtime));
  const config = { ...runtimeConfig(step.runtime, settings, manifest), reportDownload };
  // The runtime starts (imports, wasm fetch and compile) while the files are read or downloaded.
  const worker = usesWorker(settings) ? (model.prestarts?.take(config) ?? spawnWorker(config)) : undefined;
  // The runtime's download reaches this load's progress only while this step runs (never after loadModel settles).
  const onProgress = scope.onProgress;
  if (onProgress) worker?.onRuntimeDownload((download) => onProgress({ type: 'runtime-download', ...download }));
  try {
    return await startStep(step, load, { worker, workerEngine, config, getFiles, phases, proof });
  } finally {
    worker?.onRuntimeDownload(undefined);
  }
}

interface StepParts {
  worker: WorkerHandle | undefined;
  workerEngine: Promise<typeof import('../worker/worker-engine.js')> | undefined;
  config: RuntimeConfig;
  getFiles: (scope: LoadScope) => Promise<ModelFiles>;
  phases: TimedPhase[];
  proof: Promise<typeof import('../proof/golden.js')>;
}

async function startStep(step: PlanStep, load: LocalLoad, parts: StepParts): Promise<Slot> {
  const { model, scope } = load;
  const { manifest } = load.resolved;
  const { settings } = model;
  const { worker, workerEngine, config, getFiles, phases, proof } = parts;
  let first: ModelFiles;
  let engineModule: Awaited<StepParts['workerEngine']>;
  try {
    first = await timed(phases, 'files', getFiles(scope), (files) => files.status);
    engineModule = await workerEngine;
  } catch (error) {
    worker?.terminate();
    throw error;
  }
  scope.onProgress?.({ type: 'compile', runtime: step.runtime });
  const runTimeoutMs = settings.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  let pending: Uint8Array[] | undefined = first.files;
  let engine: Engine;
  if (worker && engineModule) {
    const started = await engineModule.createWorkerEngine({
      config,
      prestarted: worker,
      // The first start uses the bytes in hand; a restart after a crash re-reads the cache or re-downloads,
      // under the model's lifetime: the load's signal and progress callback are done by then.
      files: async () => {
        const files = pending ?? (await getFiles(lifetimeScope(model))).files;
        pending = undefined;
        return files;
      },
      loadTimeoutMs: settings.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
      runTimeoutMs,
      signal: scope.signal,
    });
    phases.push(...started.startSpans);
    engine = started;
  } else {
    // The in-thread engine is for Node and hosts without Worker: a chunk browsers never fetch.
    const { createLocalEngine } = await import('../runtimes/local-engine.js');
    engine = await timed(phases, 'session', createLocalEngine(config, first.files, runTimeoutMs, scope.signal));
  }
  try {
    await timed(phases, 'proof', (await proof).proveEngine(engine, manifest, step.variant, scope.signal));
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return {
    route: 'local',
    manifest,
    engine,
    variant: step.variant,
    reason: step.reason,
    cache: { status: first.status, bytes: first.bytes },
    phases,
  };
}

/** Undefined: each runtime uses the wasm shipped in the package, which the app's bundler emits (src/runtimes/assets.ts). */
function resolveWasmPaths(option: string | undefined): string | undefined {
  if (option === undefined) return undefined;
  return new URL(option, typeof location === 'undefined' ? import.meta.url : location.href).href;
}

// onnxruntime-web uses threads only when the page is cross-origin isolated; on 2 cores one thread wins at batch 1.
function defaultThreads(): number {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const cores = typeof navigator === 'undefined' ? 1 : (navigator.hardwareConcurrency ?? 1);
  return isolated ? Math.max(1, Math.min(4, Math.floor(cores / 2))) : 1;
}
