import { ModelshipError, abortError } from '../errors.js';

export interface CombinedSignal {
  signal: AbortSignal;
  /** Detaches from the sources, so a long-lived caller signal does not collect listeners. */
  dispose(): void;
}

/** AbortSignal.any where it exists; else (Safari < 17.4, Chrome < 116) the same by hand. */
export function anySignal(sources: Array<AbortSignal | undefined>): CombinedSignal {
  const signals = sources.filter((s): s is AbortSignal => s !== undefined);
  if (typeof AbortSignal.any === 'function') return { signal: AbortSignal.any(signals), dispose: () => undefined };
  const controller = new AbortController();
  const aborted = signals.find((s) => s.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: () => undefined };
  }
  const onAbort = (event: Event): void => {
    controller.abort((event.target as AbortSignal).reason);
    dispose();
  };
  const dispose = (): void => signals.forEach((s) => s.removeEventListener('abort', onAbort));
  signals.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
  return { signal: controller.signal, dispose };
}

/** Settles like `work`, but rejects with the signal's reason the moment it aborts, whether or not `work` listens. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** ABORTED for the caller's abort, TIMEOUT when the caller's own signal was a timeout (AbortSignal.timeout). */
export function callerAbortError(signal: AbortSignal): ModelshipError {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new ModelshipError('TIMEOUT', 'The caller’s deadline passed', { cause: reason });
  }
  return abortError(signal);
}
