import { checkLoadArgs } from './args/load-args.js';
import { benchmarkEngine } from './device/benchmark.js';
import { probeDevice } from './device/probe.js';
import { Emitter } from './emitter.js';
import { FeedbackClient } from './feedback/client.js';
import type { ModelshipWarningCode } from './errors.js';
import { DEFAULT_LIMITS } from './manifest/limits.js';
import { validateManifest } from './manifest/validate.js';
import { Model } from './model.js';
import { connectRemote, resolveRemote } from './route/connect-remote.js';
import { decideRoute, type Route } from './route/route-policy.js';
import { Router } from './route/router.js';
import type { Slot } from './route/slot.js';
import { weakDeviceReason } from './route/weak-device.js';
import { ModelCache, type CachedVersion } from './store/model-cache.js';
import { openStore } from './store/open-store.js';
import { requestPersistence } from './store/persistence.js';
import { compareVersions } from './store/semver.js';
import type { LoadOptions, ModelEvents } from './types.js';
import { loadVersion, planFor } from './update/load-version.js';
import { RejectedVersions } from './update/rejected.js';
import { resolveManifest, type ResolvedManifest } from './update/resolve-manifest.js';
import { Updater } from './update/updater.js';

/**
 * Resolves the manifest (revalidated, offline-capable, per rollout channel), probes the device,
 * decides the route, and resolves with a Model whose first route has passed its golden proof.
 * A newer version than the cached one installs in the background and switches in atomically.
 */
export async function loadModel(manifestUrl: string, options: LoadOptions = {}): Promise<Model> {
  ({ manifestUrl, options } = checkLoadArgs(manifestUrl, options));
  const events = new Emitter<ModelEvents>();
  if (options.onFallback) events.on('fallback', options.onFallback);
  if (options.onWarning) events.on('warning', options.onWarning);
  const warn = (code: ModelshipWarningCode, message: string, cause?: unknown): void => events.emit('warning', { code, message, cause });
  const store = openStore(options.cache, options.cacheName);
  const cache = store && new ModelCache(store, { maxBytes: options.cacheMaxBytes });
  const rejected = new RejectedVersions(store);
  if (options.persistStorage) void requestPersistence();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const resolveContext = { cache, bucketStore: store, fetchOptions: { fetch: options.fetch, signal: options.signal, limits, stallTimeoutMs: options.stallTimeoutMs, allowedOrigins: options.allowedOrigins }, channel: options.channel, warn };
  const resolved = await resolveManifest(manifestUrl, resolveContext);
  const { initial, pending } = await chooseInitial(resolved, cache, rejected, options.autoUpdate ?? true, warn);
  const { manifest } = initial;
  options.onProgress?.({ type: 'manifest', url: initial.filesUrl, version: manifest.version });

  const device = await probeDevice(options.device);
  const versionContext = { device, cache, options, events };
  const plan = planFor(initial, versionContext);
  const remote = resolveRemote(options.remote, manifest);
  const decision = decideRoute(options.route ?? 'auto', {
    hasRemote: remote !== undefined,
    hasLocal: plan.steps.length > 0,
    weakReason: weakDeviceReason(device, plan.steps[0]?.variant),
  });
  const connect = (reason: string) => connectRemote(remote!, manifest, reason, options.signal);
  const load = (route: Route, reason: string): Promise<Slot> => (route === 'local' ? loadVersion(initial, versionContext, plan) : connect(reason));

  let primary: Slot;
  let fallbackRoute = decision.fallback;
  try {
    primary = await load(decision.first, decision.reason);
  } catch (error) {
    if (!decision.fallback) throw error;
    const reason = `${decision.first} failed: ${(error as Error).message}`;
    events.emit('fallback', { from: decision.first, to: decision.fallback, reason });
    primary = await load(decision.fallback, reason);
    fallbackRoute = undefined;
  }
  let standby: Slot | undefined;
  if (primary.route === 'local' && remote && options.latencyBudgetMs !== undefined && (options.route ?? 'auto') === 'auto') {
    const { meanMs } = await benchmarkEngine(primary.engine, manifest);
    if (meanMs > options.latencyBudgetMs) {
      const reason = `auto: local predict takes ${meanMs.toFixed(2)} ms, over the ${options.latencyBudgetMs} ms budget`;
      standby = primary;
      primary = await connect(reason);
      events.emit('fallback', { from: `local/${standby.engine.runtime}/${standby.variant.id}`, to: `remote/${primary.engine.runtime}`, reason });
      fallbackRoute = 'local';
    }
  }
  const reserve = standby;
  const loadFallback = fallbackRoute === undefined ? undefined : reserve ? async () => reserve : () => load(fallbackRoute!, `fallback from ${primary.route}`);
  options.onProgress?.({ type: 'ready', runtime: primary.engine.runtime, variant: primary.variant.id, version: manifest.version });
  const router = new Router({ primary, loadFallback, events });
  const updater = new Updater({
    router,
    cache,
    rejected,
    events,
    resolve: () => resolveManifest(manifestUrl, resolveContext),
    loadVersion: (next) => loadVersion(next, versionContext),
  });
  const feedback = options.feedback && new FeedbackClient(options.feedback, warn, options.fetch);
  const model = new Model({ manifestUrl: resolved.cacheUrl, router, updater, device, planNotes: plan.notes, remote, fallbackRoute, events, resolved: initial, cache, feedback });
  await model.refreshStorage();
  if (pending) {
    // The cached version serves now; the new one downloads, proves itself and switches in behind it.
    void updater.checkForUpdate(pending).catch((error: unknown) => warn('UPDATE_FAILED', `Background update to ${pending.manifest.version} failed: ${(error as Error).message}`, error));
  }
  return model;
}

/**
 * What runs first. A version this installation rolled back from gives way to the newest cached
 * version that was not; a manifest newer than the newest cached version installs in the
 * background while the cached one serves.
 */
async function chooseInitial(
  resolved: ResolvedManifest,
  cache: ModelCache | undefined,
  rejected: RejectedVersions,
  autoUpdate: boolean,
  warn: (code: ModelshipWarningCode, message: string) => void,
): Promise<{ initial: ResolvedManifest; pending?: ResolvedManifest }> {
  const { manifest } = resolved;
  const fromCache = (record: CachedVersion): ResolvedManifest => ({
    ...resolved,
    // The newest cached record was validated when the manifest was resolved; older ones are validated here.
    manifest: record === resolved.cached && resolved.cachedManifest ? resolved.cachedManifest : validateManifest(record.manifest),
    filesUrl: record.filesUrl ?? record.manifestUrl ?? resolved.cacheUrl,
    etag: record.etag ?? null,
    cached: record,
  });
  if (await rejected.has(manifest.name, manifest.version)) {
    let candidate = await cache?.previous(manifest.name, manifest.version, { manifestUrl: resolved.cacheUrl });
    while (candidate && (await rejected.has(candidate.name, candidate.version))) {
      candidate = await cache?.previous(manifest.name, candidate.version, { manifestUrl: resolved.cacheUrl });
    }
    if (candidate?.manifest) {
      warn('VERSION_REJECTED', `${manifest.name}@${manifest.version} was rolled back on this device; running ${candidate.version}`);
      return { initial: fromCache(candidate) };
    }
    warn('VERSION_REJECTED', `${manifest.name}@${manifest.version} was rolled back on this device, but no other version is cached`);
    return { initial: resolved };
  }
  const { cached } = resolved;
  if (resolved.source !== 'network' || !cached?.manifest || compareVersions(manifest.version, cached.version) <= 0) return { initial: resolved };
  if (await rejected.has(cached.name, cached.version)) return { initial: resolved };
  return autoUpdate ? { initial: fromCache(cached), pending: resolved } : { initial: fromCache(cached) };
}
