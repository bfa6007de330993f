import { isModelshipError } from '../errors.js';

function status(error: unknown): number | undefined {
  if (!isModelshipError(error, 'REMOTE_HTTP')) return undefined;
  const value = error.details.status;
  return typeof value === 'number' ? value : undefined;
}

/**
 * Worth another try: the request never got an answer, or the server said it was overloaded or
 * broken (5xx, 429). A timeout is not: a server that was too slow once will likely be again,
 * and the caller is better served by falling back than by waiting another timeout. 4xx and
 * malformed answers would come back the same.
 */
export function isRetryable(error: unknown): boolean {
  if (isModelshipError(error, 'REMOTE_UNREACHABLE')) return true;
  const code = status(error);
  return code !== undefined && (code >= 500 || code === 429);
}

/** Says something about the server's health (counts towards opening the circuit); a 4xx says something about the request. */
export function isServerFault(error: unknown): boolean {
  if (isRetryable(error) || isModelshipError(error, 'TIMEOUT')) return true;
  return isModelshipError(error, 'REMOTE_HTTP') && error.details.malformed === true;
}
