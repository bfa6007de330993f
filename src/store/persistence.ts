/** The part of `navigator.storage` used here; injectable for tests and absent in some contexts. */
export interface StorageLike {
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
  estimate?(): Promise<{ usage?: number; quota?: number }>;
}

export interface StorageInfo {
  /** Bytes this origin stores (all of it, not only models). */
  usage: number | undefined;
  quota: number | undefined;
  /** True when the browser promised not to evict this origin's data under storage pressure. */
  persisted: boolean | undefined;
}

const defaultStorage = (): StorageLike | undefined =>
  typeof navigator === 'undefined' ? undefined : (navigator as { storage?: StorageLike }).storage;

/**
 * Asks the browser to keep this origin's storage under pressure. Only on request, never at load:
 * Firefox shows a permission prompt, and the answer may be no (it is a hint). `persist()` does not
 * exist in workers, so this resolves false there instead of throwing.
 */
export async function requestPersistence(storage: StorageLike | undefined = defaultStorage()): Promise<boolean> {
  if (!storage?.persist) return false;
  try {
    if ((await storage.persisted?.()) === true) return true;
    return await storage.persist();
  } catch {
    return false;
  }
}

/** Usage and quota for `model.info()`; undefined fields where the browser does not say. */
export async function storageEstimate(storage: StorageLike | undefined = defaultStorage()): Promise<StorageInfo> {
  const [estimate, persisted] = await Promise.all([
    storage?.estimate?.().catch(() => undefined),
    storage?.persisted?.().catch(() => undefined),
  ]);
  return { usage: estimate?.usage, quota: estimate?.quota, persisted };
}
