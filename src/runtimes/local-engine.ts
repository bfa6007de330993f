import type { Engine, TensorMap } from '../engine.js';
import { ModelshipError } from '../errors.js';
import { withDeadline } from '../worker/deadline.js';
import { resolveRuntime } from './registry.js';
import type { LoadedSession, RuntimeConfig } from './types.js';

export interface LocalEngine extends Engine {
  readonly runtimeVersion: string;
}

/** Runs in the current thread: for Node, for tests, and for hosts without `Worker`. */
export async function createLocalEngine(config: RuntimeConfig, files: Uint8Array[], runTimeoutMs: number): Promise<LocalEngine> {
  const loader = await resolveRuntime(config.runtime);
  let session: LoadedSession | undefined = await loader(config, files);
  return {
    runtime: session.runtime,
    runtimeVersion: session.runtimeVersion,
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
