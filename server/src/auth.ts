import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Bearer-token check (REST headers, or gRPC metadata given as headers). Both sides are hashed
 * first so timingSafeEqual always compares 32 equal-length bytes: neither the token's content
 * nor its length leaks through timing.
 */
export function createBearerAuth(token: string | undefined): (req: { headers: IncomingHttpHeaders }) => void {
  if (token === undefined || token === '') return () => undefined;
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const ok = match !== null && timingSafeEqual(digest(match[1]!), expected);
    if (!ok) {
      throw new HttpError('UNAUTHORIZED', match ? 'invalid bearer token' : 'missing bearer token', {
        headers: { 'WWW-Authenticate': `Bearer realm="modelship"${match ? ', error="invalid_token"' : ''}` },
      });
    }
  };
}
