import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyBudget } from './body-budget.js';
import { HttpError, isHttpError, overloaded } from './errors.js';
import { lingerOnEarlyAnswer } from './lingering-close.js';

export interface BodyLimits {
  /** Largest single body (413 past it). */
  maxBytes: number;
  /** Bytes of all bodies buffered at once (503 + Retry-After past it). */
  budget: BodyBudget;
  retryAfterSeconds: number;
}

/**
 * Reads the whole request body, refusing more than `maxBytes` with 413 and refusing to buffer
 * past the shared budget with 503. The declared Content-Length is checked (and reserved) first,
 * so an oversized upload is refused before it is read; a chunked body is counted as it streams.
 * The bytes stay reserved until the response is done.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): Promise<Buffer> {
  const limit = limits.maxBytes;
  const tooLarge = (): HttpError =>
    new HttpError('PAYLOAD_TOO_LARGE', `request body exceeds the maximum allowed value of ${limit} bytes`);
  const noRoom = (): HttpError =>
    overloaded(`the server is buffering too many request bytes (cap ${limits.budget.capBytes}); retry later`, limits.retryAfterSeconds, 'body_memory');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge());
  let reserved = 0;
  const reserve = (bytes: number): boolean => {
    if (!limits.budget.reserve(bytes)) return false;
    reserved += bytes;
    return true;
  };
  res.once('close', () => limits.budget.release(reserved));
  if (Number.isSafeInteger(declared) && declared > 0 && !reserve(declared)) return Promise.reject(noRoom());
  // With a declared length the body is copied into one buffer as it arrives, so the socket's
  // chunks are freed at once and the peak is one copy of the body, not chunks plus their concat.
  const whole = Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: HttpError): void => {
      failed = true;
      chunks.length = 0;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (whole && size + chunk.length > whole.length) return fail(new HttpError('BAD_REQUEST', 'request body is longer than its Content-Length'));
      size += chunk.length;
      if (size > limit) return fail(tooLarge());
      if (size > reserved && !reserve(size - reserved)) return fail(noRoom());
      if (whole) chunk.copy(whole, size - chunk.length);
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (whole) resolve(whole.subarray(0, size));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('close', () => {
      if (!failed && !req.complete) fail(new HttpError('BAD_REQUEST', 'request aborted before the body was complete'));
    });
    req.on('error', (err) => {
      if (!failed) fail(new HttpError('BAD_REQUEST', `request body could not be read: ${err.message}`, { cause: err }));
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(text.length) });
  res.end(text);
}

export function errorStatus(err: unknown): number {
  return isHttpError(err) ? err.status : 500;
}

/** After an early answer, read and discard what the client still sends for up to 5 s / 256 MiB. */
const LINGER = { ms: 5000, bytes: 256 * 1024 * 1024 };

/**
 * Sends `{"error": message}`. When the request body was not consumed (413 before reading), the
 * rest of it is read and discarded within bounds (lingering close), so a client still streaming
 * its body reads the answer instead of failing on a reset socket.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const status = errorStatus(err);
  const message = isHttpError(err) ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = isHttpError(err) ? { ...err.headers } : {};
  if (!req.complete) lingerOnEarlyAnswer(req, LINGER);
  sendJson(res, status, { error: message }, headers);
}
