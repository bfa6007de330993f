let counter = 0;

/**
 * An id for one logical request, the same across its retries. crypto.randomUUID exists only in
 * secure contexts (https, localhost), so plain-http pages get a time + counter + random id.
 */
export function newRequestId(random: () => number = Math.random): string {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${Date.now().toString(36)}-${counter.toString(36)}-${Math.floor(random() * 2 ** 32).toString(36)}`;
}
