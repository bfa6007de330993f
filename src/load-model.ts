import { probeDevice } from './device/probe.js';
import { Emitter } from './emitter.js';
import { fetchManifest } from './manifest/fetch-manifest.js';
import { DEFAULT_LIMITS } from './manifest/limits.js';
import { Model } from './model.js';
import { noLocalStepError, planLocal } from './plan/plan.js';
import { connectRemote, resolveRemote } from './route/connect-remote.js';
import { measureLocalLatency } from './route/latency.js';
import { loadLocal } from './route/load-local.js';
import { decideRoute, type Route } from './route/route-policy.js';
import { Router } from './route/router.js';
import type { Slot } from './route/slot.js';
import { weakDeviceReason } from './route/weak-device.js';
import { openCache } from './store/open-cache.js';
import type { LoadOptions, ModelEvents } from './types.js';

/**
 * Fetches and validates the manifest, probes the device, plans local runtimes and variants,
 * decides the route, and resolves with a Model whose first route has passed its golden proof.
 */
export async function loadModel(manifestUrl: string, options: LoadOptions = {}): Promise<Model> {
  const events = new Emitter<ModelEvents>();
  if (options.onFallback) events.on('fallback', options.onFallback);
  if (options.onWarning) events.on('warning', options.onWarning);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { manifest, url } = await fetchManifest(manifestUrl, { fetch: options.fetch, signal: options.signal, limits });
  options.onProgress?.({ type: 'manifest', url, version: manifest.version });
  const [device, cache] = [await probeDevice(options.device), openCache(options.cache, options.cacheName)];
  const plan = planLocal({ manifest, profile: device, variant: options.variant, backends: options.backends, maxAccuracyLoss: options.maxAccuracyLoss });
  const remote = resolveRemote(options.remote, manifest);
  const decision = decideRoute(options.route ?? 'auto', {
    hasRemote: remote !== undefined,
    hasLocal: plan.steps.length > 0,
    weakReason: weakDeviceReason(device, plan.steps[0]?.variant),
  });

  const local = async (): Promise<Slot> => {
    if (plan.steps.length === 0) throw noLocalStepError(manifest, plan);
    return loadLocal(plan.steps, { manifest, manifestUrl: url, cache, options, events });
  };
  const connect = (reason: string) => connectRemote(remote!, manifest, reason, options.signal);
  const load = (route: Route, reason: string): Promise<Slot> => (route === 'local' ? local() : connect(reason));

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
    const medianMs = await measureLocalLatency(primary.engine, manifest);
    if (medianMs > options.latencyBudgetMs) {
      const reason = `auto: local predict takes ${medianMs.toFixed(2)} ms, over the ${options.latencyBudgetMs} ms budget`;
      standby = primary;
      primary = await connect(reason);
      events.emit('fallback', { from: `local/${standby.engine.runtime}/${standby.variant.id}`, to: `remote/${primary.engine.runtime}`, reason });
      fallbackRoute = 'local';
    }
  }
  const reserve = standby;
  const loadFallback = fallbackRoute === undefined ? undefined : reserve ? async () => reserve : () => load(fallbackRoute!, `fallback from ${primary.route}`);
  options.onProgress?.({ type: 'ready', runtime: primary.engine.runtime, variant: primary.variant.id, version: manifest.version });
  return new Model({
    manifestUrl: url,
    router: new Router({ primary, loadFallback, events }),
    device,
    planNotes: plan.notes,
    remote,
    fallbackRoute,
    events,
  });
}
