import { withDeadline } from '../abort/deadline.js';
import { raceAbort } from '../abort/signals.js';
import { LOCAL_HEALTH, type Engine, type TensorMap } from '../engine.js';
import { ModelshipError, abortError } from '../errors.js';
import { resolveRuntime } from './registry.js';
import type { LoadedSession, RuntimeConfig } from './types.js';

/**
 * Runs in the current thread: for Node, for tests, and for hosts without `Worker`. `signal` aborts
 * the load only; a session that finishes compiling after it is released at once.
 */
export async function createLocalEngine(config: RuntimeConfig, files: Uint8Array[], runTimeoutMs: number, signal?: AbortSignal): Promise<Engine> {
  const loader = await resolveRuntime(config.runtime);
  const loading = loader(config, files);
  let session: LoadedSession | undefined;
  try {
    session = signal ? await raceAbort(loading, signal) : await loading;
  } catch (error) {
    if (!signal?.aborted) throw error;
    void loading.then((late) => late.dispose()).catch(() => undefined);
    throw abortError(signal);
  }
  const loaded = session;
  return {
    runtime: loaded.runtime,
    runtimeVersion: loaded.runtimeVersion,
    executionProvider: loaded.executionProvider,
    health: () => LOCAL_HEALTH,
    run(feeds: TensorMap, options = {}) {
      if (!session) return Promise.reject(new ModelshipError('DISPOSED', 'This model was disposed'));
      return withDeadline(session.run(feeds), { timeoutMs: runTimeoutMs, signal: options.signal, what: 'Inference' });
    },
    async dispose() {
      await session?.dispose();
      session = undefined;
    },
  };
}
