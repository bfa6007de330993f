import { ModelshipError, throwIfAborted } from '../errors.js';
import { abortableSleep } from '../abort/sleep.js';
import { anySignal, callerAbortError, raceAbort } from '../abort/signals.js';
import { CircuitBreaker, type BreakerOptions } from './circuit-breaker.js';
import { retryDelay, type RetryPolicy } from './retry.js';
import type { RemoteDeps, RemoteHealth } from './types.js';

/*
 * Timeout, retry and circuit breaker, written here rather than taken from `cockatiel` (which
 * composes the same policies well and is ESM): its jitter calls Math.random, where tests need
 * to inject randomness; a Retry-After per failed attempt needs a custom backoff anyway; and
 * the three policies as used here are a hundred lines, less than the glue to adapt them.
 */

export interface ResilienceOptions extends RetryPolicy, BreakerOptions {
  /** Per attempt. */
  timeoutMs: number;
}

export interface Resilience {
  /** Runs `attempt` under the policies; `signal` is the caller's. */
  execute<T>(attempt: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  health(): RemoteHealth;
}

export function createResilience(options: ResilienceOptions, deps: RemoteDeps = {}): Resilience {
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? abortableSleep;
  const breaker = new CircuitBreaker(options, deps.now ?? Date.now);

  async function execute<T>(attempt: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw callerAbortError(signal);
    // The breaker counts calls, not attempts: with `retries: 2`, one failed call is one failure,
    // so `failureThreshold` means what it says whatever the retry policy.
    return breaker.run(async () => {
      for (let n = 0; ; n++) {
        if (signal?.aborted) throw callerAbortError(signal);
        try {
          return await withTimeout(attempt, options.timeoutMs, signal);
        } catch (error) {
          const delay = retryDelay(error, n, options, random);
          if (delay === undefined) throw error;
          await sleep(delay, signal);
        }
      }
    });
  }

  return { execute, health: () => breaker.health() };
}

/** One attempt with its own deadline, abandoned the moment the caller aborts. */
async function withTimeout<T>(attempt: (signal: AbortSignal) => Promise<T>, timeoutMs: number, caller?: AbortSignal): Promise<T> {
  throwIfAborted(caller);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const combined = anySignal([caller, deadline.signal]);
  try {
    return await raceAbort(attempt(combined.signal), combined.signal);
  } catch (error) {
    if (caller?.aborted) throw callerAbortError(caller);
    if (deadline.signal.aborted) {
      throw new ModelshipError('TIMEOUT', `The remote endpoint did not answer within ${timeoutMs} ms`, {
        cause: error,
        details: { timeoutMs },
      });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    combined.dispose();
  }
}
