import { createStore, delMany, get, getMany, keys, setMany, type UseStore } from 'idb-keyval';
import type { KeyValueStore } from './key-value-store.js';

export const DEFAULT_DB_NAME = 'modelship';

/** IndexedDB through idb-keyval; `setMany` writes every entry in one transaction, which is the atomic commit. */
export function createIdbStore(dbName = DEFAULT_DB_NAME): KeyValueStore {
  const store: UseStore = createStore(dbName, 'entries');
  return {
    get: (key) => get(key, store),
    getMany: (list) => getMany(list, store),
    putMany: (entries) => setMany(entries, store),
    deleteMany: (list) => delMany(list, store),
    keys: () => keys<string>(store),
  };
}
