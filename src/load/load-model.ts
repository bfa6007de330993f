import { anySignal } from '../abort/signals.js';
import { checkLoadArgs } from '../args/load-args.js';
import { Emitter } from '../emitter.js';
import { DEFAULT_LIMITS } from '../manifest/default-limits.js';
import type { Manifest } from '../manifest/types.js';
import type { Model } from '../model.js';
import type { ModelEvents } from '../model-types.js';
import { RejectedVersions } from '../lifecycle/rejected.js';
import type { Route } from '../route/route-policy.js';
import type { Slot } from '../route/slot.js';
import { WarmRuntimes } from '../plan/warm-runtimes.js';
import { ModelCache } from '../store/model-cache.js';
import { openStore } from '../store/open-store.js';
import { requestPersistence } from '../store/persistence.js';
import { lifetimeScope, warnVia, type LoadScope, type ModelContext } from './context.js';
import { usesWorker } from './load-local.js';
import { loadVersion, planFor, planModule } from './load-version.js';
import { Prestarts } from './prestart.js';
import { epochNow, type TimedPhase } from './timings.js';
import type { LoadOptions, RemoteOptions } from './options.js';
import { resolveManifest } from './resolve-manifest.js';
import type { ResolveContext } from './resolved-manifest.js';

/**
 * Walks the load path once: manifest (revalidated, offline-capable, per rollout channel) → device
 * and plan → route → files → engine → proof, and resolves with a Model whose first route has proven
 * itself. `options.signal` and `options.onProgress` belong to this load only; the Model's own work
 * (fallbacks, background updates, worker restarts) runs until `dispose()`.
 */
export async function loadModel(manifestUrl: string, options: LoadOptions = {}): Promise<Model> {
  ({ manifestUrl, options } = checkLoadArgs(manifestUrl, options));
  const events = new Emitter<ModelEvents>();
  if (options.onFallback) events.on('fallback', options.onFallback);
  if (options.onWarning) events.on('warning', options.onWarning);
  const warn = warnVia(events);
  const lifetime = new AbortController();
  // Needed by the first predict, not by the load: fetched alongside it, outside the core's bytes.
  const preprocess = import('../preprocess/input.js');
  preprocess.catch(() => undefined);
  const origin = epochNow();
  const loadSignal = anySignal([options.signal, lifetime.signal]);
  const scope: LoadScope = { signal: loadSignal.signal, onProgress: options.onProgress };
  try {
    return await load(manifestUrl, options, { events, warn, lifetime, scope, preprocess, origin });
  } catch (error) {
    // Whatever the failed load started (a worker, a background fetch) ends with it.
    lifetime.abort(error);
    throw error;
  } finally {
    loadSignal.dispose();
  }
}

interface LoadParts {
  events: Emitter<ModelEvents>;
  warn: ReturnType<typeof warnVia>;
  lifetime: AbortController;
  scope: LoadScope;
  preprocess: Promise<typeof import('../preprocess/input.js')>;
  /** When `loadModel` was called (epoch ms): the zero of `info().timings`. */
  origin: number;
}

async function load(manifestUrl: string, options: LoadOptions, parts: LoadParts): Promise<Model> {
  const { events, warn, lifetime, scope, preprocess, origin } = parts;
  const phases: TimedPhase[] = [];
  const { signal: _signal, onProgress: _onProgress, onFallback: _onFallback, onWarning: _onWarning, ...settings } = options;
  const store = openStore(options.cache, options.cacheName);
  // A cache in IndexedDB (or the app's own store) is shared by the origin's tabs; one in memory is not.
  const sharedCache = store !== undefined && options.cache !== 'memory' && (options.cache !== undefined || typeof indexedDB !== 'undefined');
  const cache = store && new ModelCache(store, { maxBytes: options.cacheMaxBytes });
  const rejected = new RejectedVersions(store);
  const warmRuntimes = new WarmRuntimes(store);
  const warmListed = warmRuntimes.list();
  if (options.persistStorage) void requestPersistence();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const resolveContext: ResolveContext = {
    cache,
    bucketStore: store,
    sharedStore: sharedCache,
    fetchOptions: { fetch: options.fetch, limits, stallTimeoutMs: options.stallTimeoutMs, allowedOrigins: options.allowedOrigins },
    channel: options.channel,
    warn,
  };

  // The device probe does not depend on the manifest: it runs while the manifest is fetched. It, the
  // choice between cached versions and the plan are chunks of their own, requested now, outside the core's bytes.
  const probing = import('../device/probe.js').then(({ probeDevice }) => probeDevice(options.device));
  probing.catch(() => undefined);
  const choosing = import('./choose-initial.js');
  choosing.catch(() => undefined);
  planModule().catch(() => undefined);
  const routing = Promise.all([import('../route/route-policy.js'), import('../route/weak-device.js')]);
  routing.catch(() => undefined);
  // The Model and its Router (step 6) are needed when the load ends: fetched now, parsed off the critical path.
  const serving = Promise.all([import('../model.js'), import('../route/router.js')]);
  serving.catch(() => undefined);
  // Feedback is opt-in: its client is a chunk of its own, requested only when the app configured it.
  const feedbackModule = options.feedback === undefined ? undefined : import('../feedback/client.js');
  feedbackModule?.catch(() => undefined);

  // The worker's script loads while the manifest and the records are read; its runtime is named later.
  const prestarts = new Prestarts(lifetime.signal);
  if (usesWorker(settings) && options.route !== 'remote') {
    prestarts.spawnIdle();
    // The engine that adopts the worker is a chunk of its own, needed once the files are in.
    import('../worker/worker-engine.js').catch(() => undefined);
  }
  // A warm visit names it from the runtimes that started here and the cached manifest, while the
  // manifest revalidates (speculate.ts: a chunk of its own, fetched alongside the cache reads it waits for).
  if (cache && usesWorker(settings) && options.route !== 'remote') {
    void import('./speculate.js').then(({ prestartFromCache }) => prestartFromCache(manifestUrl, cache, { settings, warm: warmListed }, prestarts)).catch(() => undefined);
  }

  // 1. manifest
  const manifestStart = epochNow();
  const resolved = await resolveManifest(manifestUrl, resolveContext, scope.signal);
  const { initial, pending } = await (await choosing).chooseInitial(resolved, cache, rejected, options.autoUpdate ?? true, warn);
  const { manifest } = initial;
  phases.push({ name: 'manifest', start: manifestStart, end: epochNow(), detail: resolved.source });
  scope.onProgress?.({ type: 'manifest', url: initial.filesUrl, version: manifest.version });

  // 2. plan
  const planStart = epochNow();
  const device = await probing;
  const context: ModelContext = { device, cache, settings, events, lifetime: lifetime.signal, sharedCache, warm: await warmListed, warmRuntimes, prestarts };
  const plan = await planFor(manifest, context);
  phases.push({ name: 'plan', start: planStart, end: epochNow() });
  const remote = options.remote === undefined ? undefined : (await import('./remote-options.js')).resolveRemote(options.remote, manifest);
  const [{ decideRoute }, { weakDeviceReason }] = await routing;
  const decision = decideRoute(options.route ?? 'auto', {
    hasRemote: remote !== undefined,
    hasLocal: plan.steps.length > 0,
    weakReason: weakDeviceReason(device, plan.steps[0]?.variant),
  });

  // 3–5. files → engine → proof, on the route decided; the other route stays a per-call fallback.
  const connect = (reason: string, at: LoadScope): Promise<Slot> => connectRemoteLazily(remote!, manifest, reason, at.signal);
  const loadRoute = (route: Route, reason: string, at: LoadScope): Promise<Slot> =>
    route === 'local' ? loadVersion(initial, context, at, plan) : connect(reason, at);
  let primary: Slot;
  let fallbackRoute = decision.fallback;
  try {
    primary = await loadRoute(decision.first, decision.reason, scope);
  } catch (error) {
    if (!decision.fallback || scope.signal.aborted) throw error;
    const reason = `${decision.first} failed: ${(error as Error).message}`;
    events.emit('fallback', { from: decision.first, to: decision.fallback, reason });
    primary = await loadRoute(decision.fallback, reason, scope);
    fallbackRoute = undefined;
  }
  let standby: Slot | undefined;
  if (primary.route === 'local' && remote && options.latencyBudgetMs !== undefined && (options.route ?? 'auto') === 'auto') {
    const { benchmarkEngine } = await import('../device/benchmark.js');
    const { meanMs } = await benchmarkEngine(primary.engine, manifest);
    if (meanMs > options.latencyBudgetMs) {
      const reason = `auto: local predict takes ${meanMs.toFixed(2)} ms, over the ${options.latencyBudgetMs} ms budget`;
      standby = primary;
      primary = await connect(reason, scope);
      events.emit('fallback', { from: `local/${standby.engine.runtime}/${standby.variant.id}`, to: `remote/${primary.engine.runtime}`, reason });
      fallbackRoute = 'local';
    }
  }

  // 6. route: later loads (fallback, update, rollback) run under the model's lifetime, never the load's signal.
  const reserve = standby;
  const later = lifetimeScope(context);
  const loadFallback =
    fallbackRoute === undefined ? undefined : reserve ? async () => reserve : () => loadRoute(fallbackRoute!, `fallback from ${primary.route}`, later);
  scope.onProgress?.({ type: 'ready', runtime: primary.engine.runtime, variant: primary.variant.id, version: manifest.version });
  // Runtimes started for a plan this load did not follow end here.
  prestarts.clear();
  const timings = { origin, end: epochNow(), phases: [...phases, ...(primary.phases ?? [])] };
  const [{ Model }, { Router }] = await serving;
  const feedback = feedbackModule && new (await feedbackModule).FeedbackClient(options.feedback!, warn, options.fetch);
  const router = new Router({ primary, loadFallback, events });

  // 7. lifecycle: the updater is its own chunk, loaded when an update or rollback is first needed.
  const lifecycle = async () =>
    new (await import('../lifecycle/updater.js')).Updater({
      router,
      cache,
      rejected,
      events,
      resolve: () => resolveManifest(manifestUrl, resolveContext, lifetime.signal),
      loadVersion: (next) => loadVersion(next, context, later),
    });
  const model = new Model({
    manifestUrl: resolved.cacheUrl,
    router,
    preprocess,
    lifecycle,
    lifetime,
    device,
    planNotes: plan.notes,
    remote,
    fallbackRoute,
    events,
    resolved: initial,
    cache,
    monitoring: options.monitoring,
    feedback,
    timings,
  });
  await model.refreshStorage();
  if (pending) {
    // The cached version serves now; the new one downloads, proves itself and switches in behind it.
    void model.installInBackground(pending).catch((error: unknown) => {
      if (!lifetime.signal.aborted) warn('UPDATE_FAILED', `Background update to ${pending.manifest.version} failed: ${(error as Error).message}`, error);
    });
  }
  return model;
}

async function connectRemoteLazily(remote: RemoteOptions, manifest: Manifest, reason: string, signal: AbortSignal): Promise<Slot> {
  // The remote client is its own chunk: an app without a remote never downloads it.
  const { connectRemote } = await import('./connect-remote.js');
  return connectRemote(remote, manifest, reason, signal);
}
