import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, isHttpError } from './errors.js';

/**
 * Reads the whole request body, refusing more than `limit` bytes with 413. The declared
 * Content-Length is checked first so an oversized upload is refused before it is read.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = (): HttpError =>
    new HttpError('PAYLOAD_TOO_LARGE', `request body exceeds the maximum allowed value of ${limit} bytes`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('close', () => {
      if (!failed && !req.complete) {
        failed = true;
        reject(new HttpError('BAD_REQUEST', 'request aborted before the body was complete'));
      }
    });
    req.on('error', (err) => {
      if (!failed) reject(new HttpError('BAD_REQUEST', `request body could not be read: ${err.message}`, { cause: err }));
      failed = true;
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

/**
 * Sends `{"error": message}`. When the request body was not consumed (413 before reading),
 * the connection is closed after the response and the rest of the upload is drained, so
 * the client can read the answer instead of failing on a reset socket.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const status = errorStatus(err);
  const message = isHttpError(err) ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = isHttpError(err) ? { ...err.headers } : {};
  if (!req.complete) {
    headers['Connection'] = 'close';
    req.resume();
  }
  sendJson(res, status, { error: message }, headers);
}
