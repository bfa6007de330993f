import { createIdbStore } from '../store/idb-store.js';
import type { KeyValueStore } from '../store/key-value-store.js';
import { createMemoryStore } from '../store/memory-store.js';

const KEY = 'monitoring:outbox';

/**
 * Reports that could not be sent, kept for later: in IndexedDB (its own database, so the model
 * cache's eviction never sees them) or in memory where there is none. Bounded: beyond `max` the
 * oldest are dropped and counted. One key holding a short array: a read-modify-write per failed
 * send is cheap at this size, and the operations are serialised so none is lost.
 */
export class Outbox<T> {
  private readonly store: KeyValueStore;
  private chain: Promise<unknown> = Promise.resolve();
  dropped = 0;
  size = 0;

  constructor(
    private readonly max: number,
    dbName = 'modelship-monitoring',
  ) {
    this.store = typeof indexedDB === 'undefined' ? createMemoryStore() : createIdbStore(dbName);
  }

  add(items: T[]): Promise<void> {
    return this.serial(async () => {
      const all = [...(await this.read()), ...items];
      const over = Math.max(0, all.length - this.max);
      this.dropped += over;
      await this.write(all.slice(over));
    });
  }

  /** Removes and returns everything queued. */
  take(): Promise<T[]> {
    return this.serial(async () => {
      const all = await this.read();
      if (all.length) await this.write([]);
      return all;
    });
  }

  private async read(): Promise<T[]> {
    const value = (await this.store.get(KEY).catch(() => undefined)) as T[] | undefined;
    return Array.isArray(value) ? value : [];
  }

  private async write(items: T[]): Promise<void> {
    this.size = items.length;
    await this.store.putMany([[KEY, items]]);
  }

  private serial<R>(task: () => Promise<R>): Promise<R> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
