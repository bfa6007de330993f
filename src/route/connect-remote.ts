import { ModelshipError } from '../errors.js';
import type { Manifest, Variant } from '../manifest/types.js';
import { proveEngine } from '../plan/golden.js';
import { createRemoteEngine } from '../remote/remote-engine.js';
import type { RemoteConfig } from '../remote/types.js';
import type { Slot } from './slot.js';

export interface RemoteOptions extends RemoteConfig {
  /** The manifest variant the server runs, whose golden outputs prove it; default the fp32 one. */
  variant?: string;
}

/** The endpoint the app configured: its own, or the manifest's first when it says `'manifest'`. */
export function resolveRemote(option: RemoteOptions | 'manifest' | undefined, manifest: Manifest): RemoteOptions | undefined {
  if (option === undefined) return undefined;
  if (option !== 'manifest') return option;
  const first = manifest.remote?.[0];
  if (!first) {
    throw new ModelshipError('INPUT_INVALID', 'options.remote is "manifest" but the manifest names no remote endpoint', {
      details: { field: 'options.remote' },
    });
  }
  return { ...first, url: new URL(first.url, typeof location === 'undefined' ? undefined : location.href).href };
}

function remoteVariant(manifest: Manifest, id: string | undefined): Variant {
  const variant = id ? manifest.variants.find((v) => v.id === id) : (manifest.variants.find((v) => v.precision === 'fp32') ?? manifest.variants[0]);
  if (!variant) {
    throw new ModelshipError('INPUT_INVALID', `options.remote.variant "${id}" is not in the manifest`, { details: { field: 'options.remote.variant' } });
  }
  return variant;
}

/** Checks the server serves this model, then proves it reproduces the golden outputs, like any local runtime. */
export async function connectRemote(options: RemoteOptions, manifest: Manifest, reason: string, signal?: AbortSignal): Promise<Slot> {
  const variant = remoteVariant(manifest, options.variant);
  const engine = createRemoteEngine(options, manifest);
  try {
    await engine.verify({ signal });
    await proveEngine(engine, manifest, variant);
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return { route: 'remote', manifest, engine, variant, runtimeVersion: options.protocol, reason, cache: { status: 'uncached', bytes: 0 } };
}
