import { releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { RunChannel } from './run-channel.js';
import { LOCAL_HEALTH, type Engine, type RunOptions, type TensorMap } from '../engine.js';
import { ModelshipError } from '../errors.js';
import { deserializeError } from '../errors-wire.js';
import type { RuntimeConfig } from '../runtimes/types.js';
import { withDeadline } from '../abort/deadline.js';
import { watchLiveness } from './liveness.js';
import type { LoadedInfo, RuntimeDownload, Span, WorkerApi, WorkerResult } from './protocol.js';

export interface WorkerEngineOptions {
  config: RuntimeConfig;
  /** Called at start and again after a crash or timeout; the bytes are transferred to the worker. */
  files: () => Promise<Uint8Array[]>;
  loadTimeoutMs: number;
  runTimeoutMs: number;
  /**
   * Aborts the first start only (the load that created this engine): the worker is terminated and the
   * start rejects ABORTED. Restarts after a crash belong to the model, not to that load.
   */
  signal?: AbortSignal;
  createWorker?: () => Worker;
  /** A worker spawned earlier for this config (`spawnWorker`), its runtime already starting: the first start adopts it. */
  prestarted?: WorkerHandle;
}

/** A worker whose runtime is starting (or is yet to be named), before its model's bytes are there. */
export interface WorkerHandle {
  readonly worker: Worker;
  readonly api: Remote<WorkerApi>;
  readonly channel: RunChannel;
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
 * without one its script loads while the caller finds out which runtime it needs. `createWorkerEngine` adopts it.
 */
export function spawnWorker(config: RuntimeConfig | undefined, createWorker: () => Worker = defaultCreateWorker): WorkerHandle {
  const worker = createWorker();
  const api = wrap<WorkerApi>(worker);
  let crash: Event | undefined;
  let listener: ((event: Event) => void) | undefined;
  const onError = (event: Event): void => {
    if (listener) listener(event);
    else crash ??= event;
  };
  worker.addEventListener('error', onError);
  worker.addEventListener('messageerror', onError);
  const { port1, port2 } = new MessageChannel();
  void api.connectRunPort(transfer(port2, [port2]));
  const channel = new RunChannel(port1);
  let lastDownload: RuntimeDownload | undefined;
  let downloadListener: ((download: RuntimeDownload) => void) | undefined;
  channel.onDownload = (download) => {
    lastDownload = download;
    downloadListener?.(download);
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
    channel,
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
      channel.close();
      worker.terminate();
    },
  };
}

// Literal, in the one form Vite and webpack both turn into a worker entry of the app. The build
// (rollup.config.mjs) rewrites './worker.js' to the path from the chunk this ends up in.
const defaultCreateWorker = (): Worker => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
/** The same path as a variable, so no bundler takes it for a second asset; used only to explain a failure. */
const WORKER_SCRIPT = './worker.js';

/**
 * Runs a model in a dedicated worker. onnxruntime-web cannot cancel a run, so a timeout or crash
 * terminates the worker, rejects everything in flight, and the next call starts a fresh one.
 */
export interface WorkerEngine extends Engine {
  /** The first start's steps inside the worker (boot, runtime import, wasm fetch, compile, session). */
  readonly startSpans: readonly Span[];
}

export async function createWorkerEngine(options: WorkerEngineOptions): Promise<WorkerEngine> {
  let live:
    | { worker: Worker; api: Remote<WorkerApi>; channel: RunChannel; ready: Promise<LoadedInfo>; loaded: boolean; unwatch: () => void }
    | undefined;
  let disposed = false;
  const inFlight = new Set<(error: Error) => void>();

  const kill = (error: Error): void => {
    if (!live) return;
    live.unwatch();
    live.api[releaseProxy]();
    live.channel.rejectAll(error);
    live.channel.close();
    live.worker.terminate();
    live = undefined;
    for (const reject of [...inFlight]) reject(error);
  };

  /** For calls that travel over comlink, which never rejects when the worker dies (comlink#601). */
  const track = <T>(work: Promise<T>, timeoutMs: number, what: string, signal?: AbortSignal): Promise<T> => {
    let rejectOnCrash!: (error: Error) => void;
    const crashed = new Promise<never>((_, reject) => (rejectOnCrash = reject));
    inFlight.add(rejectOnCrash);
    const onTimeout = (): void => kill(new ModelshipError('TIMEOUT', `${what} timed out; the worker was restarted`));
    // onnxruntime cannot cancel a compile: an abort frees the worker by ending it.
    const onAbort = (): void => kill(new ModelshipError('ABORTED', `${what} was aborted; the worker was stopped`, { cause: signal?.reason }));
    if (signal?.aborted) queueMicrotask(onAbort);
    else signal?.addEventListener('abort', onAbort, { once: true });
    return withDeadline(Promise.race([work, crashed]), { timeoutMs, signal, what, onTimeout }).finally(() => {
      signal?.removeEventListener('abort', onAbort);
      inFlight.delete(rejectOnCrash);
    });
  };

  const start = (signal?: AbortSignal, given?: WorkerHandle): NonNullable<typeof live> => {
    // A restart has nobody to report a download to.
    const config = given ? options.config : { ...options.config, reportDownload: false };
    const handle = given ?? spawnWorker(config, options.createWorker);
    handle.startRuntime(config);
    const { worker, api, channel, onCrash } = handle;
    onCrash((event) => {
      // Explaining a crash is a chunk of its own: only a crash needs it.
      // String(): webpack would take `new URL(variable, import.meta.url)` for a folder of assets to bundle.
      const script = new URL(WORKER_SCRIPT, String(import.meta.url)).href;
      void import('./describe-crash.js')
        .then(({ describeCrash }) => describeCrash(event, options.createWorker !== undefined, script))
        // The chunk itself may be out of reach (offline): the crash is still reported, plainly.
        .catch(() => new ModelshipError('WORKER_CRASHED', 'Inference worker crashed', { details: { type: event.type } }))
        .then((error) => {
        if (live?.worker === worker) kill(error);
      });
    });
    const onStopped = (how: string): void => {
      if (live !== current) return;
      kill(new ModelshipError('WORKER_CRASHED', `Inference worker stopped: ${how}`, { details: { type: 'stopped' } }));
    };
    const unwatch = watchLiveness(channel, () => channel.pendingRuns > 0 || inFlight.size > 0, onStopped);
    const current = { worker, api, channel, unwatch, loaded: false, ready: Promise.resolve() as unknown as Promise<LoadedInfo> };
    live = current;
    const load = async (): Promise<WorkerResult<LoadedInfo>> => {
      const files = await options.files();
      const buffers = [...new Set(files.map((file) => file.buffer as ArrayBuffer))];
      return (await api.load(options.config, transfer(files, buffers))) as WorkerResult<LoadedInfo>;
    };
    current.ready = track(load(), options.loadTimeoutMs, `Loading ${options.config.runtime}`, signal)
      .then(unwrap)
      .then((info) => {
        current.loaded = true;
        return info;
      });
    current.ready.catch(() => {
      if (live === current) kill(new ModelshipError('BACKEND_UNAVAILABLE', 'The worker failed to load the model'));
    });
    return current;
  };

  const info = await start(options.signal, options.prestarted).ready;
  const onRunTimeout = (): void => kill(new ModelshipError('TIMEOUT', 'Inference timed out; the worker was restarted'));

  return {
    startSpans: info.spans,
    runtime: info.runtime,
    runtimeVersion: info.runtimeVersion,
    executionProvider: info.executionProvider,
    health: () => LOCAL_HEALTH,
    run(feeds: TensorMap, runOptions: RunOptions = {}): Promise<TensorMap> {
      if (disposed) return Promise.reject(new ModelshipError('DISPOSED', 'This model was disposed'));
      const current = live ?? start();
      // The deadline and the caller's signal are the channel's (one timer for all runs, no promise around the run's).
      // A crash or timeout rejects the channel's pending runs itself (kill → rejectAll).
      const call = { timeoutMs: options.runTimeoutMs, signal: runOptions.signal, onTimeout: onRunTimeout };
      // Once loaded, the request is posted synchronously: the caller's own work after run() (monitoring's
      // features) then overlaps the worker's compute instead of delaying the post by a microtask.
      if (current.loaded) return current.channel.run(feeds, call);
      return current.ready.then(() => current.channel.run(feeds, call));
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      const current = live;
      if (!current) return;
      await withDeadline(current.api.dispose(), { timeoutMs: 2000, what: 'Worker dispose' }).catch(() => undefined);
      kill(new ModelshipError('DISPOSED', 'This model was disposed'));
    },
  };
}

function unwrap<T>(result: WorkerResult<T>): T {
  if (result.ok) return result.value;
  throw deserializeError(result.error);
}
