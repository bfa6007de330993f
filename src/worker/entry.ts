import { ModelshipError } from '../errors.js';
import { expose } from 'comlink';
import { serializeError } from '../errors-wire.js';
import { type RuntimeEntry, resolveRuntimeEntry } from '../runtimes/registry.js';
import type { LoadedSession, RuntimeConfig } from '../runtimes/types.js';
import type { TensorMap } from '../engine.js';
import type { ConnectRequest, DownloadReply, LivenessReply, LivenessRequest, RunReply, RunRequest, SharedReady, SharedSetup, Span, WorkerApi, WorkerResult } from './protocol.js';
import { serveSharedRuns } from './shared-runs.js';
import { wasmToPrefetch } from '../runtimes/wasm-to-prefetch.js';
import { countRuntimeDownloads } from './runtime-download.js';
import { prefetchWasm } from './wasm-prefetch.js';
import { startSpans, now, wasmTimed } from './spans.js';
import { tensorBuffers } from './transfer.js';

/** From the worker's creation to its script running: the first span of every load. */
const boot: Span = { name: 'worker', start: performance.timeOrigin, end: now() };
let session: LoadedSession | undefined;
/** The runtime starts once per worker; a load waits for it. */
let starting: Promise<{ entry: RuntimeEntry; spans: () => Promise<Span[]> }> | undefined;

let startedRuntime: RuntimeConfig['runtime'] | undefined;

function start(config: RuntimeConfig): Promise<{ entry: RuntimeEntry; spans: () => Promise<Span[]> }> {
  // One worker runs one runtime for its whole life (tfjs and onnxruntime keep one per realm).
  if (startedRuntime !== undefined && startedRuntime !== config.runtime) {
    return Promise.reject(new ModelshipError('BACKEND_UNAVAILABLE', `This worker runs ${startedRuntime}, not ${config.runtime}`));
  }
  startedRuntime = config.runtime;
  starting ??= (async () => {
    const begun = now();
    // The wasm's fetch starts now, alongside the runtime's JS chunks, when its URL can be named.
    const prefetching = wasmToPrefetch(config);
    const stopPrefetch = prefetching === undefined ? () => undefined : prefetchWasm(prefetching);
    // Around the whole start: some runtimes fetch their wasm while their chunk is imported.
    const stopCounting = config.reportDownload
      ? countRuntimeDownloads(config.runtime, (download) => self.postMessage({ download } satisfies DownloadReply))
      : () => undefined;
    try {
      const entry = await resolveRuntimeEntry(config.runtime);
      const imported = now();
      await entry.start(config);
      const started = now();
      // Read later, when the load reports them: the wasm's Resource Timing entry is queued after its last byte,
      // which a small wasm reaches only just before the start ends (wasmTimed waits for it, briefly).
      return { entry, spans: () => wasmTimed(config.runtime, begun).then(() => startSpans(begun, imported, started)) };
    } finally {
      stopCounting();
      stopPrefetch();
    }
  })();
  return starting;
}

async function settle<T>(work: () => Promise<T>): Promise<WorkerResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

const api: WorkerApi = {
  start: (config) =>
    settle(async () => {
      await start(config);
    }),
  load: (config, files) =>
    settle(async () => {
      await session?.dispose();
      session = undefined;
      const { entry, spans } = await start(config);
      const begun = now();
      session = await entry.load(config, files);
      const loaded: Span = { name: 'session', start: begun, end: now() };
      return { runtime: session.runtime, runtimeVersion: session.runtimeVersion, executionProvider: session.executionProvider, spans: [boot, ...(await spans()), loaded] };
    }),
  dispose: async () => {
    await session?.dispose();
    session = undefined;
  },
};

/** One run, from a message or the shared slot; errors come back as data. */
async function runFeeds(feeds: TensorMap, id: number): Promise<RunReply> {
  try {
    if (!session) throw new ModelshipError('BACKEND_UNAVAILABLE', 'No model is loaded in this worker');
    return { ok: true, value: await session.run(feeds), id };
  } catch (error) {
    return { ok: false, error: serializeError(error), id };
  }
}

const sendReply = (reply: RunReply | SharedReady): void =>
  self.postMessage(reply, { transfer: 'ok' in reply && reply.ok ? tensorBuffers(reply.value) : [] });

async function answerRun({ id, feeds }: RunRequest): Promise<void> {
  sendReply(await runFeeds(feeds, id));
}

/** Held until this context ends: the main thread's request for the same lock is granted only then. */
function answerLiveness(request: LivenessRequest): void {
  if ('ping' in request) {
    self.postMessage({ pong: request.ping } satisfies LivenessReply);
    return;
  }
  const name = request.hold;
  void navigator.locks?.request(name, () => {
    self.postMessage({ held: name } satisfies LivenessReply);
    return new Promise<never>(() => undefined);
  });
}

// The worker's own channel: first the port comlink's calls use, then runs and liveness checks. Anything
// else (a message an app or a shim posts to this worker) is not ours to answer.
self.onmessage = (event: MessageEvent<ConnectRequest | RunRequest | SharedSetup | LivenessRequest | null>) => {
  const data = event.data;
  if (typeof data !== 'object' || data === null) return;
  if ('id' in data) void answerRun(data);
  else if ('shared' in data) void serveSharedRuns(data, runFeeds, sendReply);
  else if ('connect' in data) expose(api, data.connect);
  else if ('ping' in data || 'hold' in data) answerLiveness(data);
};
