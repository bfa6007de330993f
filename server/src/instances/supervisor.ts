import { performance } from 'node:perf_hooks';
import { Backoff, type BackoffPolicy } from './backoff.js';
import type { ModelInstance } from './instance.js';

/** What the supervisor needs of a model version (repository.ts's ModelVersion). */
export interface SupervisedVersion {
  readonly model: string;
  readonly version: string;
  state: string;
  error: string | undefined;
  /** Mutated in place: the scheduler holds this array and sees a restarted instance in its slot. */
  instances: ModelInstance[];
}

export interface SupervisorEvents {
  death(reason: string): void;
  restart(): void;
  log(message: string): void;
}

/**
 * Keeps a version's instances alive: an instance whose worker thread exits or crashes is started
 * again in its slot after a backoff (backoff.ts), warm-up included. The runs it had in flight
 * were already failed with INSTANCE_DIED (instance.ts). While no instance of the version is
 * alive the version is `restarting`: unready (REST 503, gRPC UNAVAILABLE, health NOT_SERVING)
 * with the reason, and ready again as soon as one instance is back.
 * Nothing here terminates a worker: onnxruntime-node aborts the whole process when a worker is
 * terminated inside session.run, so a dead instance is only ever one that ended on its own.
 */
export class InstanceSupervisor {
  private stopped = false;
  private readonly backoff: Backoff[];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly v: SupervisedVersion,
    private readonly start: () => Promise<ModelInstance>,
    private readonly events: SupervisorEvents,
    policy?: BackoffPolicy,
  ) {
    this.backoff = v.instances.map(() => new Backoff(policy));
    v.instances.forEach((instance, slot) => this.watch(instance, slot));
  }

  /** No more restarts (the version is being unloaded); a start in progress is released when it ends. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private watch(instance: ModelInstance, slot: number): void {
    this.backoff[slot]!.started(performance.now());
    instance.onDeath = (reason) => this.died(slot, reason);
  }

  private died(slot: number, reason: string): void {
    if (this.stopped) return;
    const v = this.v;
    this.events.death(reason);
    if (v.state === 'ready' && !v.instances.some((i) => i.alive)) {
      v.state = 'restarting';
      v.error = `every instance died, restarting: ${reason}`;
    }
    this.events.log(`model ${v.model} version ${v.version}: instance ${slot} died (${reason})`);
    this.schedule(slot);
  }

  private schedule(slot: number): void {
    const delay = this.backoff[slot]!.failed(performance.now());
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.restart(slot);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private async restart(slot: number): Promise<void> {
    if (this.stopped) return;
    let instance: ModelInstance;
    try {
      instance = await this.start();
    } catch (err) {
      if (this.stopped) return;
      this.events.log(`model ${this.v.model} version ${this.v.version}: restarting instance ${slot} failed: ${(err as Error).message}`);
      this.schedule(slot);
      return;
    }
    if (this.stopped) {
      await instance.release();
      return;
    }
    const v = this.v;
    v.instances[slot] = instance;
    this.watch(instance, slot);
    this.events.restart();
    if (v.state === 'restarting') {
      v.state = 'ready';
      v.error = undefined;
    }
    this.events.log(`model ${v.model} version ${v.version}: instance ${slot} restarted`);
  }
}
