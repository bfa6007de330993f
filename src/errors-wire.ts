import { ModelshipError, isModelshipError, type ModelshipErrorCode } from './errors.js';

/** Plain-data form of an error chain, safe for structured clone and JSON. */
export interface SerializedError {
  name: string;
  message: string;
  code?: ModelshipErrorCode;
  details?: Record<string, unknown>;
  stack?: string;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 8;

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (depth > MAX_CAUSE_DEPTH) return { name: 'Error', message: '(cause chain truncated)' };
  if (error instanceof Error || isModelshipError(error)) {
    const e = error as Error & { code?: ModelshipErrorCode; details?: Record<string, unknown> };
    const out: SerializedError = { name: e.name, message: e.message };
    if (e.stack) out.stack = e.stack;
    if (isModelshipError(e)) {
      out.code = e.code;
      out.details = safeDetails(e.details);
    }
    if (e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
    return out;
  }
  return { name: 'Error', message: String(error) };
}

export function deserializeError(data: SerializedError): Error {
  const cause = data.cause ? deserializeError(data.cause) : undefined;
  let error: Error;
  if (data.code) {
    error = new ModelshipError(data.code, data.message, { cause, details: data.details });
  } else {
    error = new Error(data.message, cause === undefined ? undefined : { cause });
    error.name = data.name;
  }
  if (data.stack) error.stack = data.stack;
  return error;
}

function safeDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!details) return undefined;
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return { unserializable: true };
  }
}
