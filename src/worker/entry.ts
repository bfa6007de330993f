import { ModelshipError } from '../errors.js';
import { expose } from 'comlink';
import { serializeError } from '../errors-wire.js';
import { type RuntimeEntry, resolveRuntimeEntry } from '../runtimes/registry.js';
import type { LoadedSession, RuntimeConfig } from '../runtimes/types.js';
import type { DownloadReply, LivenessReply, LivenessRequest, RunReply, RunRequest, Span, WorkerApi, WorkerResult } from './protocol.js';
import { wasmToPrefetch } from '../runtimes/wasm-to-prefetch.js';
import { countRuntimeDownloads } from './runtime-download.js';
import { prefetchWasm } from './wasm-prefetch.js';
import { startSpans, now } from './spans.js';
import { tensorBuffers } from './transfer.js';

/** From the worker's creation to its script running: the first span of every load. */
const boot: Span = { name: 'worker', start: performance.timeOrigin, end: now() };
let session: LoadedSession | undefined;
/** The runtime starts once per worker; a load waits for it. */
let starting: Promise<{ entry: RuntimeEntry; spans: () => Span[] }> | undefined;

let startedRuntime: RuntimeConfig['runtime'] | undefined;
/** The run port, which also carries the runtime's download progress to the host. */
let runPort: MessagePort | undefined;

function start(config: RuntimeConfig): Promise<{ entry: RuntimeEntry; spans: () => Span[] }> {
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
      ? countRuntimeDownloads(config.runtime, (download) => runPort?.postMessage({ download } satisfies DownloadReply))
      : () => undefined;
    try {
      const entry = await resolveRuntimeEntry(config.runtime);
      const imported = now();
      await entry.start(config);
      const started = now();
      // Read later, when the load reports them: the wasm's Resource Timing entry is queued after its last byte,
      // which a small wasm reaches only just before the start ends.
      return { entry, spans: () => startSpans(begun, imported, started) };
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
      return { runtime: session.runtime, runtimeVersion: session.runtimeVersion, executionProvider: session.executionProvider, spans: [boot, ...spans(), loaded] };
    }),
  connectRunPort: (port) => {
    runPort = port;
    port.onmessage = async (event: MessageEvent<RunRequest | LivenessRequest>) => {
      if (!('id' in event.data)) return answerLiveness(port, event.data);
      const { id, feeds } = event.data;
      let reply: RunReply;
      try {
        if (!session) throw new ModelshipError('BACKEND_UNAVAILABLE', 'No model is loaded in this worker');
        reply = { ok: true, value: await session.run(feeds), id };
      } catch (error) {
        reply = { ok: false, error: serializeError(error), id };
      }
      port.postMessage(reply, reply.ok ? tensorBuffers(reply.value) : []);
    };
  },
  dispose: async () => {
    await session?.dispose();
    session = undefined;
  },
};

/** Held until this context ends: the main thread's request for the same lock is granted only then. */
function answerLiveness(port: MessagePort, request: LivenessRequest): void {
  if ('ping' in request) {
    port.postMessage({ pong: request.ping } satisfies LivenessReply);
    return;
  }
  const name = request.hold;
  void navigator.locks?.request(name, () => {
    port.postMessage({ held: name } satisfies LivenessReply);
    return new Promise<never>(() => undefined);
  });
}

expose(api);
