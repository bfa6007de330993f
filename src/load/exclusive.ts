import { abortError } from '../errors.js';

export interface ExclusiveOptions {
  signal?: AbortSignal;
  /** Called when this host has no Web Locks API: the work then runs without coordination. */
  onUnavailable?: () => void;
}

/**
 * Runs `work` while holding the Web Lock `name`, so two tabs (or workers) of one origin that load
 * the same model take turns: the second finds in the shared cache what the first committed.
 * Without `navigator.locks` (Node, very old browsers) the work runs at once and `onUnavailable` says so.
 */
export async function exclusive<T>(name: string, work: () => Promise<T>, options: ExclusiveOptions = {}): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) {
    if (typeof navigator !== 'undefined') options.onUnavailable?.();
    return work();
  }
  try {
    return await locks.request(name, options.signal ? { signal: options.signal } : {}, () => work());
  } catch (error) {
    // An abort while waiting for the lock rejects with a DOMException: report it like any other abort.
    if (options.signal?.aborted) throw abortError(options.signal);
    throw error;
  }
}
