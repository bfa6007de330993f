import { createIdbStore } from './idb-store.js';
import type { KeyValueStore } from './key-value-store.js';
import { createMemoryStore } from './memory-store.js';

/** The key-value store behind the model cache, the rollout bucket and the rollback records. */
export function openStore(option: 'indexeddb' | 'memory' | 'none' | KeyValueStore | undefined, dbName?: string): KeyValueStore | undefined {
  if (option === 'none') return undefined;
  if (typeof option === 'object') return option;
  if (option === 'memory' || (option === undefined && typeof indexedDB === 'undefined')) return createMemoryStore();
  return createIdbStore(dbName);
}
