import { releaseProxy, wrap, type Remote } from 'comlink';
import type { RuntimeConfig } from '../runtimes/types.js';
import type { ConnectRequest, DownloadReply, RuntimeDownload, WorkerApi } from './protocol.js';

/** A worker whose runtime is starting (or is yet to be named), before its model's bytes are there. */
export interface WorkerHandle {
  readonly worker: Worker;
  /** comlink's calls, on a port of their own; the worker's own channel is left to runs (a RunChannel on `worker`). */
  readonly api: Remote<WorkerApi>;
  /** Where that RunChannel hands the download progress it receives. */
  readonly receiveDownload: (download: RuntimeDownload) => void;
  /** Starts the runtime (once; a worker runs one runtime for its life). */
  startRuntime(config: RuntimeConfig): void;
  /** The first `error`/`messageerror` event, kept until someone listens (a crash before adoption is not lost). */
  onCrash(listener: (event: Event) => void): void;
  /**
   * The runtime's download progress, to one listener at a time (undefined: none). The latest message
   * is kept and given to a new listener at once, so a load that adopts a worker whose runtime began
   * downloading earlier still sees where it is.
   */
  onRuntimeDownload(listener: ((download: RuntimeDownload) => void) | undefined): void;
  /** Ends a worker nobody adopted. */
  terminate(): void;
}

/**
 * Spawns a worker and, given a config, starts its runtime at once (imports, wasm fetch and compile);
 * without one its script loads while the caller finds out which runtime it needs. `createWorkerEngine`
 * (worker-engine.ts, a chunk of its own fetched while the model's files are) adopts it.
 */
export function spawnWorker(config: RuntimeConfig | undefined, createWorker: () => Worker = defaultCreateWorker): WorkerHandle {
  const worker = createWorker();
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ connect: port2 } satisfies ConnectRequest, [port2]);
  const api = wrap<WorkerApi>(port1);
  let crash: Event | undefined;
  let listener: ((event: Event) => void) | undefined;
  const onError = (event: Event): void => {
    if (listener) listener(event);
    else crash ??= event;
  };
  worker.addEventListener('error', onError);
  worker.addEventListener('messageerror', onError);
  let lastDownload: RuntimeDownload | undefined;
  let downloadListener: ((download: RuntimeDownload) => void) | undefined;
  const receiveDownload = (download: RuntimeDownload): void => {
    lastDownload = download;
    downloadListener?.(download);
  };
  // Until an engine adopts the worker, its channel carries only the runtime's download progress.
  worker.onmessage = (event: MessageEvent<DownloadReply>) => {
    if ('download' in event.data) receiveDownload(event.data.download);
  };
  let started: RuntimeConfig | undefined;
  const startRuntime = (next: RuntimeConfig): void => {
    if (started) return;
    started = next;
    // Errors come back as data and again from `load`, which waits for this start.
    void api.start(next).catch(() => undefined);
  };
  if (config) startRuntime(config);
  return {
    worker,
    api,
    receiveDownload,
    startRuntime,
    onCrash: (next) => {
      listener = next;
      if (crash) next(crash);
    },
    onRuntimeDownload: (next) => {
      downloadListener = next;
      if (next && lastDownload) next(lastDownload);
    },
    terminate: () => {
      api[releaseProxy]();
      port1.close();
      worker.onmessage = null;
      worker.terminate();
    },
  };
}

// Literal, in the one form Vite and webpack both turn into a worker entry of the app. The build
// (rollup.config.mjs) rewrites './worker.js' to the path from the chunk this ends up in.
const defaultCreateWorker = (): Worker => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
/** The same path as a variable, so no bundler takes it for a second asset; used only to explain a failure. */
const WORKER_SCRIPT = './worker.js';
// String(): webpack would take `new URL(variable, import.meta.url)` for a folder of assets to bundle.
export const workerScriptHref = (): string => new URL(WORKER_SCRIPT, String(import.meta.url)).href;

