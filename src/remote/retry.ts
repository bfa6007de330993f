import { isModelshipError } from '../errors.js';
import { backoffDelay } from '../fetch/backoff.js';
import { isRetryable } from './faults.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseMs: number;
  capMs: number;
  /** A server asking for a longer wait than this ends the retries: the caller can fall back sooner. */
  retryAfterCapMs: number;
}

/**
 * How long to wait before the attempt after `attempt` (0-based), or undefined to give up.
 * The server's Retry-After wins over backoff when it gave one; otherwise full jitter,
 * random(0, min(cap, base·2^attempt)), so clients that failed together do not return together.
 */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy, random: () => number): number | undefined {
  if (attempt >= policy.retries || !isRetryable(error)) return undefined;
  const retryAfter = isModelshipError(error) ? error.details.retryAfterMs : undefined;
  if (typeof retryAfter === 'number') return retryAfter <= policy.retryAfterCapMs ? retryAfter : undefined;
  return backoffDelay(attempt, { attempts: policy.retries + 1, baseMs: policy.baseMs, capMs: policy.capMs, random });
}
