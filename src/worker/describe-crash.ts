import { ModelshipError } from '../errors.js';

/**
 * A worker whose script cannot be fetched fires a plain `error` Event (a script that throws fires an
 * ErrorEvent with a message). Probing the URL then tells a missing script apart, and names it with the fix.
 * A chunk of its own (only a crash needs it); `url` is the worker script's, resolved where the core is.
 */
export async function describeCrash(event: Event, custom: boolean, url: string): Promise<ModelshipError> {
  const message = (event as ErrorEvent).message;
  if (message || custom)
    return new ModelshipError('WORKER_CRASHED', `Inference worker crashed: ${message || 'the worker stopped unexpectedly'}`, { details: { type: event.type } });
  // Only an HTTP error answer proves the script missing (a bundler may have moved it; file: URLs cannot be fetched).
  const status = /^https?:/.test(url)
    ? await fetch(url, { method: 'HEAD', cache: 'no-store' }).then(
        (response) => (response.ok ? undefined : response.status),
        () => undefined,
      )
    : undefined;
  if (status === undefined)
    return new ModelshipError('WORKER_CRASHED', 'Inference worker crashed: the worker stopped unexpectedly', { details: { type: event.type } });
  return new ModelshipError(
    'BACKEND_UNAVAILABLE',
    `modelship's worker script ${url} could not be loaded (HTTP ${status}). Fix: let your bundler emit it ` +
      '(Vite and webpack do so by themselves; for esbuild and rollup see the README, "Use with Vite / webpack / esbuild / rollup"), ' +
      'or pass `worker: false` to run in the page.',
    { details: { reason: 'asset-missing', url, status } },
  );
}
