import { ModelshipError } from '../errors.js';
import { expose } from 'comlink';
import { serializeError } from '../errors-wire.js';
import { resolveRuntime } from '../runtimes/registry.js';
import type { LoadedSession } from '../runtimes/types.js';
import type { LivenessReply, LivenessRequest, RunReply, RunRequest, WorkerApi, WorkerResult } from './protocol.js';
import { tensorBuffers } from './transfer.js';

let session: LoadedSession | undefined;

async function settle<T>(work: () => Promise<T>): Promise<WorkerResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

const api: WorkerApi = {
  load: (config, files) =>
    settle(async () => {
      await session?.dispose();
      session = undefined;
      const loader = await resolveRuntime(config.runtime);
      session = await loader(config, files);
      return { runtime: session.runtime, runtimeVersion: session.runtimeVersion, executionProvider: session.executionProvider };
    }),
  connectRunPort: (port) => {
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
