import { resolveManifestUrl } from '../manifest/fetch-manifest.js';
import type { Manifest } from '../manifest/types.js';
import { isKnownRuntime } from '../runtimes/registry.js';
import type { RuntimeName } from '../runtimes/types.js';
import type { ModelCache } from '../store/model-cache.js';
import type { ModelSettings } from './context.js';
import { runtimeConfig } from './load-local.js';
import type { Prestarts } from './prestart.js';

/**
 * On a visit after the first, the runtime can start at once, in parallel with the manifest's
 * revalidation, the device probe and the plan: the newest cached version's manifest is on the device,
 * and so is the list of runtimes that started here, most recent first. The first of those that this
 * model's variants (and the app's `variant`/`backends`) allow starts now; not waiting for the probe and
 * the plan's chunk is the head start. A runtime's start does not depend on the model, so only a plan
 * that picks another runtime wastes it (the worker is ended when the load is done). Best effort:
 * any failure here only means the runtime starts at its step.
 */
export async function prestartFromCache(
  manifestUrl: string,
  cache: ModelCache,
  context: { settings: ModelSettings; warm: Promise<ReadonlySet<string>> },
  prestarts: Prestarts,
): Promise<void> {
  try {
    const [cached, warm] = await Promise.all([cache.latestCommitted({ manifestUrl: resolveManifestUrl(manifestUrl) }), context.warm]);
    // Validated when it was stored; read here only for its variants' runtimes and tensor names.
    const manifest = cached?.manifest as Manifest | undefined;
    if (!manifest) return;
    const { variant = 'auto', backends } = context.settings;
    const allowed = new Set(manifest.variants.filter((v) => variant === 'auto' || v.id === variant).flatMap((v) => v.runtimes));
    const runtime = [...warm]
      .map((key) => key.slice(0, key.indexOf('@')))
      .find((name): name is RuntimeName => isKnownRuntime(name) && allowed.has(name) && (backends === undefined || backends.includes(name)));
    if (runtime) prestarts.start(runtimeConfig(runtime, context.settings, manifest));
  } catch {
    // the runtime starts at its step instead
  }
}
