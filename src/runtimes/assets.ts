import { ModelshipError } from '../errors.js';
import type { RuntimeName } from './types.js';

/**
 * The runtimes' WebAssembly files ship in the package's wasm/ folder. Each runtime names its files with a literal
 * URL relative to import.meta.url (the build rewrites the path for the chunk it lands in),
 * a form Vite and webpack recognise and emit with the app. esbuild and rollup do not: then the file is missing
 * at run time, and this turns the runtime's opaque failure into one that names the URL and the fix.
 */
export const ASSET_FIX =
  "serve modelship's wasm/ folder and pass its URL as the `wasmPaths` option, or let your bundler emit the files " +
  '(Vite and webpack do so by themselves; for esbuild and rollup see the README, "Use with Vite / webpack / esbuild / rollup")';

/** The file a runtime fetches: under `wasmPaths` when the app set it, else the copy its bundler emitted. */
export function assetUrl(wasmPaths: string | undefined, file: string, bundled: URL): string {
  return wasmPaths === undefined ? bundled.href : new URL(file, wasmPaths).href;
}

/**
 * Runs only after a runtime failed to start, so a working load costs no request. A HEAD the server
 * refuses (405/501) proves nothing, so only a clear failure becomes an asset error.
 */
export async function missingAsset(runtime: RuntimeName, url: string, cause: unknown): Promise<ModelshipError | undefined> {
  // Only an HTTP answer can be diagnosed (Node's fetch cannot read file: URLs).
  if (!/^https?:/.test(url)) return undefined;
  let status: number | undefined;
  try {
    const response = await fetch(url, { method: 'HEAD', cache: 'no-store' });
    if (response.ok || response.status === 405 || response.status === 501) return undefined;
    status = response.status;
  } catch {
    // unreachable, blocked by CORS, or a scheme fetch cannot read: the file cannot be fetched either way
  }
  const what = status === undefined ? 'could not be fetched' : `answered HTTP ${status}`;
  return new ModelshipError('BACKEND_UNAVAILABLE', `${runtime} needs ${url}, which ${what}. Fix: ${ASSET_FIX}.`, {
    cause,
    details: { runtime, reason: 'asset-missing', url, ...(status === undefined ? {} : { status }) },
  });
}
