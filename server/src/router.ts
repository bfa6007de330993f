import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { applyCors, preflight, type CorsOptions } from './cors.js';
import { HttpError, notFound } from './errors.js';
import type { FeedbackIntake } from './feedback/intake.js';
import { readBody, sendError, sendJson } from './http.js';
import type { InferenceService } from './inference.js';
import type { ServerMetrics } from './metrics.js';
import type { StaticFiles } from './static.js';
import * as tf from './tfserving.js';
import * as v2 from './v2.js';

export interface RouterContext {
  service: InferenceService;
  metrics: ServerMetrics | undefined;
  files: StaticFiles | undefined;
  cors: CorsOptions | false;
  crossOriginIsolation: boolean;
  authorize: (req: IncomingMessage) => void;
  maxBodyBytes: number;
  version: string;
  isClosing: () => boolean;
  isReady: () => boolean;
  /** `POST /feedback`, present when the server has a data directory. */
  feedback?: FeedbackIntake;
}

type Route = 'v2' | 'v1' | 'metrics' | 'static' | 'options' | 'feedback' | 'other';

const V2_MODEL = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;
const V1_MODEL = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?(:predict)?$/;

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError('BAD_REQUEST', 'malformed percent-encoding in path');
  }
}

function method(req: IncomingMessage, allowed: 'GET' | 'POST'): void {
  const ok = allowed === 'GET' ? req.method === 'GET' || req.method === 'HEAD' : req.method === 'POST';
  if (!ok) {
    const allow = allowed === 'GET' ? 'GET, HEAD, OPTIONS' : 'POST, OPTIONS';
    throw new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allowed}`, { headers: { Allow: allow } });
  }
}

export function createRouter(ctx: RouterContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const startedAt = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    let route: Route = 'other';
    res.on('finish', () => ctx.metrics?.http(route, res.statusCode));
    if (ctx.crossOriginIsolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', ctx.cors === false ? 'same-origin' : 'cross-origin');
    }
    if (req.method === 'OPTIONS') {
      route = 'options';
      preflight(ctx.cors, req, res);
      return;
    }
    applyCors(ctx.cors, req, res);
    if (ctx.isClosing()) {
      // Requests already being handled finish; one arriving on a kept-alive socket after close() does not start.
      res.setHeader('Connection', 'close');
      sendError(req, res, new HttpError('NOT_READY', 'server is shutting down'));
      return;
    }

    const handle = async (): Promise<void> => {
      if (pathname === '/v2' || pathname.startsWith('/v2/')) {
        route = 'v2';
        return handleV2(ctx, req, res, pathname, startedAt);
      }
      if (pathname.startsWith('/v1/')) {
        route = 'v1';
        return handleV1(ctx, req, res, pathname, startedAt);
      }
      if (pathname === '/metrics' && ctx.metrics) {
        route = 'metrics';
        method(req, 'GET');
        const text = await ctx.metrics.text();
        res.writeHead(200, { 'Content-Type': ctx.metrics.contentType, 'Cache-Control': 'no-store' });
        res.end(text);
        return;
      }
      if (pathname === '/feedback' && ctx.feedback) {
        route = 'feedback';
        return ctx.feedback.handle(req, res, ctx.authorize);
      }
      if (pathname === '/feedback/summary' && ctx.feedback) {
        route = 'feedback';
        return ctx.feedback.summary(req, res, ctx.authorize);
      }
      const mount = ctx.files?.match(pathname);
      if (mount && ctx.files) {
        route = 'static';
        return ctx.files.serve(req, res, mount, pathname);
      }
      throw notFound('not found');
    };
    handle().catch((err: unknown) => sendError(req, res, err));
  };
}

async function handleV2(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, pathname: string, startedAt: number): Promise<void> {
  if (pathname === '/v2/health/live') {
    method(req, 'GET');
    return sendJson(res, 200, { live: true });
  }
  if (pathname === '/v2/health/ready') {
    method(req, 'GET');
    const ready = ctx.isReady();
    return sendJson(res, ready ? 200 : 503, { live: true, ready });
  }
  ctx.authorize(req);
  if (pathname === '/v2' || pathname === '/v2/') {
    method(req, 'GET');
    return sendJson(res, 200, v2.serverMetadata(ctx.version));
  }
  const m = V2_MODEL.exec(pathname);
  if (!m) throw notFound(`unknown endpoint ${pathname}`);
  const name = decode(m[1])!;
  const version = decode(m[2]);
  const repo = ctx.service.repository;
  if (m[3] === 'ready') {
    method(req, 'GET');
    const r = v2.modelReady(repo, name, version);
    return sendJson(res, r.ready ? 200 : 503, r);
  }
  if (m[3] === undefined) {
    method(req, 'GET');
    return sendJson(res, 200, v2.modelMetadata(repo, name, version));
  }
  method(req, 'POST');
  repo.resolve(name, version); // 404 before reading a large body for a model that does not exist
  const body = await readBody(req, ctx.maxBodyBytes);
  const out = await v2.infer(ctx.service, req, body, name, version, startedAt);
  res.writeHead(200, out.headers);
  res.end(out.body);
}

async function handleV1(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, pathname: string, startedAt: number): Promise<void> {
  ctx.authorize(req);
  const m = V1_MODEL.exec(pathname);
  if (!m) throw notFound(`unknown endpoint ${pathname}`);
  const name = decode(m[1])!;
  const version = decode(m[2]);
  if (m[3] === undefined) {
    method(req, 'GET');
    return sendJson(res, 200, tf.modelStatus(ctx.service.repository, name, version));
  }
  method(req, 'POST');
  ctx.service.repository.resolve(name, version);
  const body = await readBody(req, ctx.maxBodyBytes);
  sendJson(res, 200, await tf.predict(ctx.service, body, name, version, startedAt));
}
