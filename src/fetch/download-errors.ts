import { ModelshipError, abortError } from '../errors.js';
import { abortableSleep as sleep } from '../abort/sleep.js';

/** What a download failure is, for `downloadVerified`'s retry loop: transient (retry), integrity (never), or the caller's abort. */
export function integrityError(request: { url: string; sha256: string; expectedBytes: number }, what: string): ModelshipError {
  return new ModelshipError('INTEGRITY_MISMATCH', `${request.url} ${what}; nothing was cached`, {
    details: { url: request.url, expectedSha256: request.sha256, expectedBytes: request.expectedBytes },
  });
}

export function isTransient(error: unknown): boolean {
  return error instanceof ModelshipError && error.code === 'NETWORK' && error.details['transient'] === true;
}

export function isIntegrity(error: unknown): boolean {
  return error instanceof ModelshipError && error.code === 'INTEGRITY_MISMATCH';
}

export async function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw abortError(signal);
  }
}
