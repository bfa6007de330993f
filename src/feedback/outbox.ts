import type { KeyValueStore } from '../store/key-value-store.js';
import type { FeedbackItem } from './types.js';

const PREFIX = 'feedback:';

interface Entry {
  item: FeedbackItem;
  queuedAt: number;
}

/**
 * Feedback waiting to be sent, one store entry per item keyed by its id, so queuing the same
 * item twice keeps one. Bounded: past `capacity` the oldest entries are dropped and returned, so
 * the caller can say so.
 */
export class Outbox {
  constructor(
    private readonly store: KeyValueStore,
    private readonly capacity: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async put(item: FeedbackItem): Promise<FeedbackItem[]> {
    await this.store.putMany([[PREFIX + item.id, { item, queuedAt: this.clock() } satisfies Entry]]);
    const entries = await this.entries();
    const overflow = entries.slice(0, Math.max(0, entries.length - this.capacity));
    if (overflow.length > 0) await this.store.deleteMany(overflow.map((entry) => PREFIX + entry.item.id));
    return overflow.map((entry) => entry.item);
  }

  /** Waiting items, oldest first. */
  async items(): Promise<FeedbackItem[]> {
    return (await this.entries()).map((entry) => entry.item);
  }

  async remove(id: string): Promise<void> {
    await this.store.deleteMany([PREFIX + id]);
  }

  private async entries(): Promise<Entry[]> {
    const keys = (await this.store.keys()).filter((key) => key.startsWith(PREFIX));
    const values = await this.store.getMany<Entry>(keys);
    return values.filter((entry): entry is Entry => entry !== undefined).sort((a, b) => a.queuedAt - b.queuedAt);
  }
}
