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
export async function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): Promise<Buffer> {
  return (await readBodyParts(req, res, limits, 0)).tail;
}

/** A body read as two buffers: the first `headBytes` bytes, and the rest in an ArrayBuffer of its own. */
export interface BodyParts {
  head: Buffer;
  /**
   * Everything after `head`. With a declared Content-Length it is the whole of its own
   * ArrayBuffer, so a tensor that fills it can use it in place and be transferred to a model
   * instance without a copy.
   */
  tail: Buffer;
}

/**
 * `readBody` for the binary tensor extension: the JSON header (`headBytes`, from
 * Inference-Header-Content-Length) and the tensor bytes land in separate buffers as the socket
 * delivers them, so the tensor bytes are copied once (socket chunk → tail) and never again.
 * A chunked body (no Content-Length) is gathered whole and split after; `head` is then shorter
 * than asked when the body is.
 */
export function readBodyParts(req: IncomingMessage, res: ServerResponse, limits: BodyLimits, headBytes: number): Promise<BodyParts> {
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
  // With a declared length the body is copied into its buffers as it arrives, so the socket's
  // chunks are freed at once and the peak is one copy of the body, not chunks plus their concat.
  // The tail gets an ArrayBuffer of its own (allocUnsafeSlow: never a slice of Node's shared pool).
  const known = Number.isSafeInteger(declared) && declared > 0;
  const split = Math.min(headBytes, known ? declared : 0);
  const head = known ? Buffer.allocUnsafe(split) : undefined;
  const tail = known ? Buffer.allocUnsafeSlow(declared - split) : undefined;
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
      if (known && size + chunk.length > declared) return fail(new HttpError('BAD_REQUEST', 'request body is longer than its Content-Length'));
      const at = size;
      size += chunk.length;
      if (size > limit) return fail(tooLarge());
      if (size > reserved && !reserve(size - reserved)) return fail(noRoom());
      if (!head || !tail) chunks.push(chunk);
      else if (at >= split) chunk.copy(tail, at - split);
      else if (size <= split) chunk.copy(head, at);
      else {
        chunk.copy(head, at, 0, split - at);
        chunk.copy(tail, 0, split - at);
      }
    });
    req.on('end', () => {
      if (failed) return;
      if (head && tail) {
        // Node's parser ends a body at its Content-Length; a shorter one is an aborted request (below).
        resolve({ head: head.subarray(0, Math.min(size, split)), tail: tail.subarray(0, Math.max(0, size - split)) });
        return;
      }
      const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const at = Math.min(headBytes, whole.length);
      resolve({ head: whole.subarray(0, at), tail: whole.subarray(at) });
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
