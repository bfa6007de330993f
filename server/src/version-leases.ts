import type { ModelVersion } from './repository.js';

/**
 * Who is using which model version. A request leases the version it resolved (`acquire`) until
 * it has answered (`release`); a version swapped out by a reload or unload is `retire`d: it takes
 * no new requests, and its instances are released once the last lease ends, so requests in
 * flight finish on the version they started on.
 */
export class VersionLeases {
  private readonly inUse = new Map<ModelVersion, number>();
  private readonly retiring = new Set<ModelVersion>();

  acquire(v: ModelVersion): void {
    this.inUse.set(v, (this.inUse.get(v) ?? 0) + 1);
  }

  release(v: ModelVersion): void {
    const n = (this.inUse.get(v) ?? 1) - 1;
    if (n > 0) return void this.inUse.set(v, n);
    this.inUse.delete(v);
    if (this.retiring.has(v)) void this.unload(v);
  }

  retire(v: ModelVersion): void {
    if (v.state === 'unloading' || v.state === 'unloaded') return;
    v.state = 'unloading';
    this.retiring.add(v);
    if (!this.inUse.has(v)) void this.unload(v);
  }

  /** Releases the version's instances now, leases or not (shutdown). */
  async unload(v: ModelVersion): Promise<void> {
    this.retiring.delete(v);
    // No restart may put an instance back once the version is going away.
    v.supervisor?.stop();
    const instances = v.instances.splice(0);
    await Promise.all(instances.map((i) => i.release()));
    v.state = 'unloaded';
  }
}
