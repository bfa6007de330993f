import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { applyCors, preflight, type CorsOptions } from './cors.js';
import { HttpError, isHttpError, notFound } from './errors.js';
import { headerLengthOrAll } from './binary.js';
import { readBody, readBodyParts, sendError, sendJson, type BodyLimits } from './http.js';
import type { InferenceService } from './inference.js';
import type { ServerMetrics } from './metrics.js';
import type { StaticFiles } from './static.js';
import * as tf from './tfserving.js';
import * as v2 from './v2.js';
import * as repositoryApi from './v2-repository.js';

export interface RouterContext {
  service: InferenceService;
  metrics: ServerMetrics | undefined;
  files: StaticFiles | undefined;
  cors: CorsOptions | false;
  crossOriginIsolation: boolean;
  authorize: (req: IncomingMessage) => void;
  body: BodyLimits;
  version: string;
  isClosing: () => boolean;
  isReady: () => boolean;
  /**
   * More routes (e.g. a monitoring endpoint), tried after the protocol routes and before static
   * files; `handle` returns false when the path is not its own.
   */
  routes?: ReadonlyArray<{ name: string; handle: (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> }>;
}

type Route = 'v2' | 'v1' | 'metrics' | 'static' | 'options' | 'other' | string;

const V2_MODEL = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer|stats))?$/;
const V2_REPOSITORY_MODEL = /^\/v2\/repository\/models\/([^/]+)\/(load|unload)$/;
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
      for (const r of ctx.routes ?? []) {
        route = r.name;
        if (await r.handle(req, res, pathname)) return;
      }
      route = 'other';
      const mount = ctx.files?.match(pathname);
      if (mount && ctx.files) {
        route = 'static';
        return ctx.files.serve(req, res, mount, pathname);
      }
      throw notFound('not found');
    };
    handle().catch((err: unknown) => {
      // Queue rejections are counted by the inference service; a body refused for memory never reaches it.
      if (isHttpError(err) && err.overload === 'body_memory') ctx.metrics?.rejected('body_memory');
      sendError(req, res, err);
    });
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
  if (pathname === '/v2/models/stats') {
    method(req, 'GET');
    return sendJson(res, 200, ctx.service.stats());
  }
  if (pathname === '/v2/repository/index') {
    method(req, 'POST');
    const body = await readBody(req, res, ctx.body);
    return sendJson(res, 200, await repositoryApi.index(ctx.service.repository, repositoryApi.indexRequest(body).ready));
  }
  const r = V2_REPOSITORY_MODEL.exec(pathname);
  if (r) {
    method(req, 'POST');
    const body = await readBody(req, res, ctx.body);
    const action = r[2] as 'load' | 'unload';
    await repositoryApi.control(ctx.service.repository, decode(r[1])!, action, repositoryApi.controlParameters(body, action));
    return sendJson(res, 200, {});
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
  if (m[3] === 'stats') {
    method(req, 'GET');
    return sendJson(res, 200, ctx.service.stats(name, version));
  }
  if (m[3] === undefined) {
    method(req, 'GET');
    return sendJson(res, 200, v2.modelMetadata(repo, name, version));
  }
  method(req, 'POST');
  ctx.service.admit(name, version, startedAt); // 404 or a full queue's 503 before reading the body
  // The JSON header and the tensor bytes are read into buffers of their own (binary extension).
  const body = await readBodyParts(req, res, ctx.body, headerLengthOrAll(req.headers));
  const out = await v2.infer(ctx.service, body, req.headers, name, version, startedAt);
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
  ctx.service.admit(name, version, startedAt);
  const body = await readBody(req, res, ctx.body);
  sendJson(res, 200, await tf.predict(ctx.service, body, name, version, startedAt));
}
