import { ModelCache, type ModelCacheOptions } from './model-cache.js';
import { createIdbStore } from './idb-store.js';
import type { KeyValueStore } from './key-value-store.js';
import { createMemoryStore } from './memory-store.js';

export function openCache(
  option: 'indexeddb' | 'memory' | 'none' | KeyValueStore | undefined,
  dbName?: string,
  cacheOptions: ModelCacheOptions = {},
): ModelCache | undefined {
  if (option === 'none') return undefined;
  if (typeof option === 'object') return new ModelCache(option, cacheOptions);
  const hasIdb = typeof indexedDB !== 'undefined';
  if (option === 'memory' || (option === undefined && !hasIdb)) return new ModelCache(createMemoryStore(), cacheOptions);
  return new ModelCache(createIdbStore(dbName), cacheOptions);
}
