export interface BackoffOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { attempts: 4, baseMs: 200, capMs: 4000 };

/** Statuses a download or manifest fetch may retry: the server may answer differently next time. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Full jitter: a random wait in [0, min(cap, base·2^attempt)), so clients that failed together do not retry together. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  return random() * Math.min(options.capMs, options.baseMs * 2 ** attempt);
}
