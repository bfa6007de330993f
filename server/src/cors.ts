import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsOptions {
  /** Allowed origins, or '*' for any. Bearer tokens are not ambient credentials, so '*' is safe for this API. */
  origins: string[] | '*';
  /** Preflight cache lifetime, seconds. */
  maxAge?: number;
}

const ALLOW_HEADERS = 'Authorization, Content-Type, Inference-Header-Content-Length, Range, If-None-Match, If-Range, Idempotency-Key';
// Retry-After must be exposed, or a browser client cannot honour a 429's or 503's wait.
const EXPOSE_HEADERS = 'Inference-Header-Content-Length, Content-Length, Content-Range, Accept-Ranges, ETag, Retry-After';
export const ALLOW_METHODS = 'GET, HEAD, POST, OPTIONS';

function allowedOrigin(cors: CorsOptions, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (cors.origins === '*') return '*';
  return cors.origins.includes(origin) ? origin : undefined;
}

/** Adds the CORS response headers for an allowed Origin; returns whether it was allowed. */
export function applyCors(cors: CorsOptions | false, req: IncomingMessage, res: ServerResponse): boolean {
  if (cors === false) return false;
  if (cors.origins !== '*') res.setHeader('Vary', 'Origin');
  const allowed = allowedOrigin(cors, req.headers.origin);
  if (allowed === undefined) return false;
  res.setHeader('Access-Control-Allow-Origin', allowed);
  res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  return true;
}

/** Answers OPTIONS: 204 with the preflight grants, or 403 for an origin that is not allowed. */
export function preflight(cors: CorsOptions | false, req: IncomingMessage, res: ServerResponse): void {
  const isPreflight = req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
  if (isPreflight && !applyCors(cors, req, res)) {
    res.writeHead(403, { 'Content-Length': '0' });
    res.end();
    return;
  }
  if (isPreflight && cors !== false) {
    res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
    res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(cors.maxAge ?? 600));
  }
  res.writeHead(204, { Allow: ALLOW_METHODS, 'Content-Length': '0' });
  res.end();
}
