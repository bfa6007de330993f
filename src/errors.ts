/** Every failure modelship reports carries one of these codes. */
export type ModelshipErrorCode =
  | 'MANIFEST_INVALID'
  | 'INTEGRITY_MISMATCH'
  | 'INPUT_INVALID'
  | 'BACKEND_UNAVAILABLE'
  | 'OUTPUT_INVALID'
  | 'PROOF_FAILED'
  | 'WORKER_CRASHED'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'REMOTE_HTTP'
  | 'REMOTE_UNREACHABLE'
  | 'CIRCUIT_OPEN'
  | 'QUOTA_EXCEEDED'
  | 'ROLLBACK_UNAVAILABLE'
  | 'CONSENT_REQUIRED'
  | 'ABORTED'
  | 'DISPOSED';

/**
 * Every `warning` event carries one of these codes: something went wrong that the model survived
 * (it still answers), which the app may want to show or log.
 */
export type ModelshipWarningCode =
  /** A runtime's asset (worker script or wasm) could not be fetched, so the load went on with a slower runtime or route. */
  | 'ASSET_MISSING'
  | 'OFFLINE'
  | 'CHANNEL_WITHOUT_MANIFEST'
  | 'UPDATE_FAILED'
  | 'VERSION_REJECTED'
  | 'QUOTA_EXCEEDED'
  | 'CACHE_WRITE_FAILED'
  | 'CACHE_CORRUPTED'
  | 'LOCKS_UNAVAILABLE'
  | 'FEEDBACK_QUEUED'
  | 'FEEDBACK_DROPPED'
  | 'FEEDBACK_REJECTED';

export interface ModelshipErrorOptions {
  cause?: unknown;
  /** Machine-readable context, e.g. `{ field: 'variants[0].files[0].sha256' }`. */
  details?: Record<string, unknown>;
}

export class ModelshipError extends Error {
  override readonly name = 'ModelshipError' as const;
  readonly code: ModelshipErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ModelshipErrorCode, message: string, options: ModelshipErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

// Works across realms (worker, iframe, WebView) where `instanceof` fails.
export function isModelshipError(value: unknown, code?: ModelshipErrorCode): value is ModelshipError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  if (candidate.name !== 'ModelshipError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}

/**
 * Any thrown value as a ModelshipError: a typed one passes through, anything else (a runtime's
 * plain Error, a throwing getter's TypeError) is wrapped with `code` and kept as the cause.
 */
export function asModelshipError(error: unknown, code: ModelshipErrorCode, message: string, details?: Record<string, unknown>): ModelshipError {
  if (isModelshipError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ModelshipError(code, `${message}: ${reason}`, { cause: error, details });
}

export function abortError(signal: AbortSignal | undefined): ModelshipError {
  return new ModelshipError('ABORTED', 'The operation was aborted', { cause: signal?.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
