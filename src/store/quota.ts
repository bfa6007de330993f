import { ModelshipError } from '../errors.js';

// Dexie notes that quota errors may arrive wrapped (an AbortError whose `inner`/`cause` is the quota error).
export function isQuotaError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const named = current as { name?: unknown; inner?: unknown; cause?: unknown };
    if (named.name === 'QuotaExceededError') return true;
    current = named.inner ?? named.cause;
  }
  return false;
}

export function quotaError(
  record: { name: string; version: string; variant: string; bytes: number },
  why: string,
  cause?: unknown,
): ModelshipError {
  return new ModelshipError('QUOTA_EXCEEDED', `No room to cache ${record.name}@${record.version} (${record.bytes} bytes): ${why}`, {
    cause,
    details: { name: record.name, version: record.version, variant: record.variant, bytes: record.bytes },
  });
}

/** IndexedDB stores the whole underlying buffer of a view: copy when the view is a window onto a larger one. */
export function toOwnBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}
