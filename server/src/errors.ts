/**
 * HTTP-facing errors of the reference server. The status codes are the ones KServe/Triton use:
 * InvalidInput 400, Unauthorized 401, ModelNotFound 404, PayloadTooLarge 413,
 * ModelNotReady 503. The body is always the protocol's `{"error": $string}`.
 */
export type HttpErrorKind =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL'
  | 'NOT_READY'
  | 'OVERLOADED'
  | 'INSTANCE_DIED'
  | 'TIMEOUT';

const STATUS: Record<HttpErrorKind, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  // Queue full, queue timeout, or too many request bytes buffered: Triton's UNAVAILABLE, sent with Retry-After.
  OVERLOADED: 503,
  // The model instance running the request died (its worker thread exited); it is being restarted.
  INSTANCE_DIED: 503,
  TIMEOUT: 504,
};

/** Why a request was turned away with 503 + Retry-After before running (counted in metrics). */
export type OverloadCause = 'queue_full' | 'queue_timeout' | 'body_memory';

export class HttpError extends Error {
  override readonly name = 'HttpError' as const;
  readonly kind: HttpErrorKind;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly overload: OverloadCause | undefined;

  constructor(kind: HttpErrorKind, message: string, options: { cause?: unknown; headers?: Record<string, string>; overload?: OverloadCause } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = STATUS[kind];
    this.headers = options.headers ?? {};
    this.overload = options.overload;
  }
}

export const badRequest = (message: string): HttpError => new HttpError('BAD_REQUEST', message);
export const notFound = (message: string): HttpError => new HttpError('NOT_FOUND', message);

export function isHttpError(value: unknown): value is HttpError {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'HttpError';
}

/** 503 with Retry-After: the server is alive but turns this request away to protect the ones it accepted. */
export const overloaded = (message: string, retryAfterSeconds: number, cause: OverloadCause): HttpError =>
  new HttpError('OVERLOADED', message, { headers: { 'Retry-After': String(retryAfterSeconds) }, overload: cause });
