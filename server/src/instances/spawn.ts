import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the instance worker. Built, it is `instance-worker.js` next to the bundle (rollup
 * input `instance-worker`), beside this chunk or one folder up from `chunks/`. From source
 * (tsx, tests and bench), a worker thread does not inherit tsx's loader hooks, so a small
 * bootstrap registers tsx in the worker before importing `worker.ts`.
 */
export function spawnInstanceWorker(options: WorkerOptions): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./worker.ts', here).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)});`;
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), options);
  }
  const candidates = [new URL('./instance-worker.js', here), new URL('../instance-worker.js', here)];
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!found) throw new Error(`instance-worker.js not found next to ${fileURLToPath(here)} (the server build must emit it)`);
  return new Worker(found, options);
}
