import { ModelshipError } from '../errors.js';
import type { Manifest, Variant } from '../manifest/types.js';
import { proveEngine } from '../proof/golden.js';
import { createRemoteEngine } from '../remote/remote-engine.js';
import type { Slot } from '../route/slot.js';
import type { RemoteOptions } from './options.js';

function remoteVariant(manifest: Manifest, id: string | undefined): Variant {
  const variant = id ? manifest.variants.find((v) => v.id === id) : (manifest.variants.find((v) => v.precision === 'fp32') ?? manifest.variants[0]);
  if (!variant) {
    throw new ModelshipError('INPUT_INVALID', `options.remote.variant "${id}" is not in the manifest`, { details: { field: 'options.remote.variant' } });
  }
  return variant;
}

/**
 * Checks the server serves this model, then proves it reproduces the golden outputs, like any local
 * runtime. Its own chunk: an app that never configures a remote never downloads the client.
 */
export async function connectRemote(options: RemoteOptions, manifest: Manifest, reason: string, signal?: AbortSignal): Promise<Slot> {
  const variant = remoteVariant(manifest, options.variant);
  const engine = createRemoteEngine(options, manifest);
  try {
    await engine.verify({ signal });
    await proveEngine(engine, manifest, variant, signal);
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return { route: 'remote', manifest, engine, variant, reason, cache: { status: 'uncached', bytes: 0 } };
}
