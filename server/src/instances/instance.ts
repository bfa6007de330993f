import type { Worker } from 'node:worker_threads';
import { HttpError } from '../errors.js';
import type { PriorityResult } from './cpu-priority.js';
import { transferables, type ComputeTimes, type FromInstance, type InstanceInit, type ToInstance, type WireTensor } from './protocol.js';
import { spawnInstanceWorker } from './spawn.js';

export interface InstanceRun {
  outputs: WireTensor[];
  times: ComputeTimes;
}

interface Waiting {
  resolve: (r: InstanceRun) => void;
  reject: (e: unknown) => void;
}

/**
 * The event-loop side of one model instance (a session on its own worker thread). Runs are
 * id-matched; the worker takes one at a time. A worker that dies rejects every pending run at
 * once with INSTANCE_DIED (503 / UNAVAILABLE: the request may be retried) and the instance stays
 * dead (`alive` false), so the scheduler stops feeding it; the supervisor (supervisor.ts) starts
 * a new one in its place.
 */
export class ModelInstance {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private dead: string | undefined;
  private released: Promise<void> | undefined;
  /** Called once if the worker dies on its own (not after `release`), with the reason. */
  onDeath: ((reason: string) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    /** The CPU priority the instance thread got (cpu-priority.ts), e.g. `nice 10`. */
    readonly priority: PriorityResult,
  ) {
    worker.on('message', (m: FromInstance) => this.receive(m));
    worker.on('error', (err: Error) => this.die(`instance worker failed: ${err.message}`));
    worker.on('exit', (code) => this.die(`instance worker exited (code ${code})`));
  }

  /** Loads the model in a new worker; rejects with the session's own error when it cannot. */
  static start(init: InstanceInit): Promise<ModelInstance> {
    const worker = spawnInstanceWorker({ workerData: init, name: `modelship instance ${init.modelPath}` });
    return new Promise((resolve, reject) => {
      const fail = (message: string): void => {
        void worker.terminate();
        reject(new Error(message));
      };
      const onMessage = (m: FromInstance): void => {
        cleanup();
        if (m.type === 'ready') resolve(new ModelInstance(worker, m.inputNames, m.outputNames, m.priority));
        else fail(m.type === 'load-failed' ? m.message : `unexpected first message ${m.type}`);
      };
      const onError = (err: Error): void => {
        cleanup();
        fail(`instance worker failed while loading: ${err.message}`);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new Error(`instance worker exited while loading (code ${code})`));
      };
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  get alive(): boolean {
    return this.dead === undefined && this.released === undefined;
  }

  /** Runs one execution. Input buffers that the tensors own are transferred (detached here). */
  run(inputs: WireTensor[]): Promise<InstanceRun> {
    if (!this.alive) return Promise.reject(new HttpError('NOT_READY', this.released !== undefined ? 'model instance is released' : `model instance is dead: ${this.dead}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const message: ToInstance = { type: 'run', id, inputs };
      this.worker.postMessage(message, transferables(inputs));
    });
  }

  /** Fault injection for tests: the worker exits when the next run reaches it (protocol.ts). */
  exitOnNextRun(): void {
    this.worker.postMessage({ type: 'exit-on-next-run' } satisfies ToInstance);
  }

  /** Waits for the run in progress, releases the session and ends the worker. */
  release(): Promise<void> {
    this.released ??= (async () => {
      if (this.dead !== undefined) return;
      const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.postMessage({ type: 'release' } satisfies ToInstance);
      const timer = setTimeout(() => void this.worker.terminate(), 5000);
      await done;
      clearTimeout(timer);
    })();
    return this.released;
  }

  private receive(m: FromInstance): void {
    if (m.type !== 'result' && m.type !== 'run-failed') return;
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (m.type === 'result') w.resolve({ outputs: m.outputs, times: m.times });
    else w.reject(new HttpError('INTERNAL', `inference failed: ${m.message}`));
  }

  private die(reason: string): void {
    if (this.dead !== undefined) return;
    this.dead = reason;
    const error = new HttpError('INSTANCE_DIED', `the model instance running this request died: ${reason}`);
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
    if (this.released === undefined) this.onDeath?.(reason);
  }
}
