/** Every failure modelship reports carries one of these codes. */
export type ModelshipErrorCode =
  | 'MANIFEST_INVALID'
  | 'INTEGRITY_MISMATCH'
  | 'INPUT_INVALID'
  | 'BACKEND_UNAVAILABLE'
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

export function abortError(signal: AbortSignal | undefined): ModelshipError {
  return new ModelshipError('ABORTED', 'The operation was aborted', { cause: signal?.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
