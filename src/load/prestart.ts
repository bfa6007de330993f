import type { RuntimeConfig, RuntimeName } from '../runtimes/types.js';
import { spawnWorker, type WorkerHandle } from '../worker/host.js';

/**
 * Workers started before the plan step that needs them is reached (speculate.ts: on a warm visit,
 * while the manifest revalidates), so the runtime starts (imports, wasm compile) in parallel with the
 * manifest and the files. A load takes the worker for its runtime; whatever nobody took is ended
 * when the load is done (`clear`) or the model's lifetime ends.
 */
export class Prestarts {
  private readonly handles = new Map<RuntimeName, WorkerHandle>();

  constructor(lifetime: AbortSignal) {
    lifetime.addEventListener('abort', () => this.clear(), { once: true });
  }

  start(config: RuntimeConfig): void {
    if (this.handles.has(config.runtime)) return;
    this.handles.set(config.runtime, spawnWorker(config));
  }

  /** The worker started for this runtime with these settings, once; undefined when none was. */
  take(config: RuntimeConfig): WorkerHandle | undefined {
    const handle = this.handles.get(config.runtime);
    if (!handle) return undefined;
    this.handles.delete(config.runtime);
    if (handle.config.wasmPaths === config.wasmPaths && handle.config.numThreads === config.numThreads) return handle;
    handle.terminate();
    return undefined;
  }

  clear(): void {
    for (const handle of this.handles.values()) handle.terminate();
    this.handles.clear();
  }
}
