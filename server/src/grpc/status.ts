import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { isHttpError } from '../errors.js';

/**
 * The server's errors carry the HTTP status KServe/Triton give them over REST; over gRPC they get
 * the code Triton's gRPC frontend gives the same failure (TRITONSERVER_ERROR_* → grpc::StatusCode):
 * invalid input INVALID_ARGUMENT, unknown model NOT_FOUND, not ready / shutting down / queue
 * full / queue timeout UNAVAILABLE, missing or wrong token UNAUTHENTICATED, a message over the
 * size limit or past the shared budget of request bytes RESOURCE_EXHAUSTED.
 */
const BY_HTTP_STATUS: Record<number, Status> = {
  400: Status.INVALID_ARGUMENT,
  401: Status.UNAUTHENTICATED,
  403: Status.PERMISSION_DENIED,
  404: Status.NOT_FOUND,
  405: Status.UNIMPLEMENTED,
  413: Status.RESOURCE_EXHAUSTED,
  429: Status.RESOURCE_EXHAUSTED,
  500: Status.INTERNAL,
  503: Status.UNAVAILABLE,
  // Triton answers a request whose queue timeout expired with UNAVAILABLE, not DEADLINE_EXCEEDED
  // (that one belongs to the client's own deadline).
  504: Status.UNAVAILABLE,
};

export function grpcCode(httpStatus: number): Status {
  return BY_HTTP_STATUS[httpStatus] ?? (httpStatus >= 500 ? Status.INTERNAL : Status.UNKNOWN);
}

/** The HTTP status the error would have had over REST (for the metrics' failure reason). */
export function httpStatusOf(err: unknown): number {
  return isHttpError(err) ? err.status : 500;
}

/** An error as grpc-js sends it; HTTP headers such as Retry-After and WWW-Authenticate become trailing metadata. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (isHttpError(err)) {
    for (const [k, v] of Object.entries(err.headers)) metadata.set(k.toLowerCase(), v);
    // Too many request bytes held at once is a resource limit (as a message over the size limit
    // is); queue full and queue timeout stay UNAVAILABLE, both with retry-after.
    const code = err.overload === 'body_memory' ? Status.RESOURCE_EXHAUSTED : grpcCode(err.status);
    return { code, details: err.message, metadata };
  }
  return { code: Status.INTERNAL, details: `internal error: ${(err as Error)?.message ?? String(err)}`, metadata };
}
