import { ModelshipError, abortError } from '../errors.js';

/** Settles `work` or rejects on timeout/abort, whichever is first, and always cleans up its timer and listener. */
export function withDeadline<T>(
  work: Promise<T>,
  options: { timeoutMs: number; signal?: AbortSignal; what: string; onTimeout?: () => void },
): Promise<T> {
  const { timeoutMs, signal, what } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      options.onTimeout?.();
      reject(timeoutError(what, timeoutMs));
    }, timeoutMs);
    const onAbort = (): void => {
      cleanup();
      reject(abortError(signal));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

export const timeoutError = (what: string, timeoutMs: number): ModelshipError =>
  new ModelshipError('TIMEOUT', `${what} did not finish within ${timeoutMs} ms`, { details: { timeoutMs } });
