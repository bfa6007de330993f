import { createHash } from 'node:crypto';
import type { Handler } from './file-server.js';

export interface Exchange {
  range: string | undefined;
  ifRange: string | undefined;
  status: number;
  /** Body bytes the server wrote before it finished or cut the connection. */
  sent: number;
}

export interface ResumableFile {
  handler: Handler;
  log: Exchange[];
  /** Replaces the content (a redeploy); the strong ETag follows the content. */
  change(content: Uint8Array): void;
  /** Cuts the next response after this many body bytes, then runs `then` (e.g. a redeploy). */
  cutNextAfter(bytes: number, then?: () => void): void;
  /** Answers a Range request with 206 even when If-Range no longer matches (a broken server). */
  ignoreIfRange: boolean;
  etag(): string;
}

/** A scripted file server with strong ETags, Range + If-Range, and a socket cut on demand. */
export function resumableFile(initial: Uint8Array): ResumableFile {
  let content = initial;
  let etag = tagOf(initial);
  let cut: number | undefined;
  let afterCut: (() => void) | undefined;
  const log: Exchange[] = [];
  const file: ResumableFile = {
    log,
    ignoreIfRange: false,
    etag: () => etag,
    change(next) {
      content = next;
      etag = tagOf(next);
    },
    cutNextAfter(bytes, then) {
      cut = bytes;
      afterCut = then;
    },
    handler(request, response) {
      const range = request.headers.range;
      const ifRange = request.headers['if-range'] as string | undefined;
      const start = /^bytes=(\d+)-$/.exec(range ?? '')?.[1];
      const partial = start !== undefined && (ifRange === etag || file.ignoreIfRange);
      const body = partial ? content.subarray(Number(start)) : content;
      const status = partial ? 206 : 200;
      const headers: Record<string, string | number> = { 'content-length': body.length, etag, 'accept-ranges': 'bytes' };
      if (partial) headers['content-range'] = `bytes ${start}-${content.length - 1}/${content.length}`;
      response.writeHead(status, headers);
      const [limit, then] = [cut, afterCut];
      cut = undefined;
      afterCut = undefined;
      const exchange: Exchange = { range, ifRange, status, sent: Math.min(limit ?? body.length, body.length) };
      log.push(exchange);
      if (limit === undefined) return void response.end(body);
      response.write(body.subarray(0, limit), () => {
        response.destroy();
        then?.();
      });
    },
  };
  return file;
}

const tagOf = (bytes: Uint8Array): string => `"${createHash('sha256').update(bytes).digest('base64url')}"`;
export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
