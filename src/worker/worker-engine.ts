import { releaseProxy, transfer, type Remote } from 'comlink';
import { LOCAL_HEALTH, type Engine, type RunOptions, type RunTransport, type TensorMap } from '../engine.js';
import { ModelshipError } from '../errors.js';
import { deserializeError } from '../errors-wire.js';
import type { RuntimeConfig } from '../runtimes/types.js';
import { withDeadline } from '../abort/deadline.js';
import { spawnWorker, workerScriptHref, type WorkerHandle } from './host.js';
import { watchLiveness } from './liveness.js';
import type { LoadedInfo, Span, WorkerApi, WorkerResult } from './protocol.js';
import { RunChannel } from './run-channel.js';
import { SLOT_VALUES, sharedMemoryUnavailable } from './shared-slot.js';

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

  const io = options.config.io;
  const transport = runTransport(io);

  const start = (signal?: AbortSignal, given?: WorkerHandle): NonNullable<typeof live> => {
    // A restart has nobody to report a download to.
    const config = given ? options.config : { ...options.config, reportDownload: false };
    const handle = given ?? spawnWorker(config, options.createWorker);
    handle.startRuntime(config);
    const { worker, api, onCrash } = handle;
    const channel = new RunChannel(worker, handle.receiveDownload);
    if (transport.kind === 'shared-memory') channel.shareMemory(io!.inputs[0]!, io!.outputs[0]!);
    channel.timeoutMs = options.runTimeoutMs;
    channel.onTimeout = () => kill(new ModelshipError('TIMEOUT', 'Inference timed out; the worker was restarted'));
    onCrash((event) => {
      // Explaining a crash is a chunk of its own: only a crash needs it.
      const script = workerScriptHref();
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

  return {
    startSpans: info.spans,
    runtime: info.runtime,
    runtimeVersion: info.runtimeVersion,
    executionProvider: info.executionProvider,
    transport,
    health: () => LOCAL_HEALTH,
    run(feeds: TensorMap, runOptions: RunOptions = {}): Promise<TensorMap> {
      if (disposed) return Promise.reject(new ModelshipError('DISPOSED', 'This model was disposed'));
      const current = live ?? start();
      // The deadline and the caller's signal are the channel's (one timer for all runs, no promise around the run's).
      // A crash or timeout rejects the channel's pending runs itself (kill → rejectAll).
      // Once loaded, the request is posted synchronously: the caller's own work after run() (monitoring's
      // features) then overlaps the worker's compute instead of delaying the post by a microtask.
      if (current.loaded) return current.channel.run(feeds, runOptions.signal);
      return current.ready.then(() => current.channel.run(feeds, runOptions.signal));
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

/** Shared memory where the page allows it and the model has one input and one output (shared-slot.ts), else messages. */
function runTransport(io: RuntimeConfig['io']): RunTransport {
  const unavailable =
    sharedMemoryUnavailable() ?? (io?.inputs.length === 1 && io.outputs.length === 1 ? undefined : 'the model has more than one input or output');
  if (unavailable) return { kind: 'message', reason: `runs travel as messages: ${unavailable}` };
  return {
    kind: 'shared-memory',
    reason: `cross-origin isolated page: a run of up to ${SLOT_VALUES.toLocaleString('en-US')} input values travels through memory shared with the worker (a second run in flight at once, or a larger one, as a message)`,
  };
}

function unwrap<T>(result: WorkerResult<T>): T {
  if (result.ok) return result.value;
  throw deserializeError(result.error);
}
