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
  /** A worker whose script loads before anyone knows its runtime; the first `start` or `take` names it. */
  private idle: WorkerHandle | undefined;

  constructor(lifetime: AbortSignal) {
    lifetime.addEventListener('abort', () => this.clear(), { once: true });
  }

  /** Spawns a worker now, its runtime named later: its script loads while the load reads its records. */
  spawnIdle(): void {
    this.idle ??= spawnWorker(undefined);
  }

  start(config: RuntimeConfig): void {
    if (this.handles.has(config.runtime)) return;
    const handle = this.claimIdle(config) ?? spawnWorker(config);
    this.handles.set(config.runtime, handle);
  }

  /**
   * The worker started for this runtime (or the idle one, started now), once; undefined when there is
   * none. One model's settings give every start the same wasm paths and threads, so the runtime name decides.
   */
  take(config: RuntimeConfig): WorkerHandle | undefined {
    const handle = this.handles.get(config.runtime);
    this.handles.delete(config.runtime);
    return handle ?? this.claimIdle(config);
  }

  clear(): void {
    for (const handle of this.handles.values()) handle.terminate();
    this.handles.clear();
    this.idle?.terminate();
    this.idle = undefined;
  }

  private claimIdle(config: RuntimeConfig): WorkerHandle | undefined {
    const idle = this.idle;
    this.idle = undefined;
    idle?.startRuntime(config);
    return idle;
  }
}
