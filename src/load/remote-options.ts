import { ModelshipError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';
import type { RemoteOptions } from './options.js';

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
