import type { KeyValueStore } from './key-value-store.js';

/** For environments without IndexedDB and for tests; lives as long as the page. */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    getMany: async <T>(list: string[]) => list.map((key) => map.get(key) as T | undefined),
    putMany: async (entries) => {
      for (const [key, value] of entries) map.set(key, value);
    },
    deleteMany: async (list) => {
      for (const key of list) map.delete(key);
    },
    keys: async () => [...map.keys()],
  };
}
