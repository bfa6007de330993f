import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import { HttpError } from '../errors.js';
import { type BodyLimits, readBody, sendJson } from '../http.js';
import type { FeedbackTally } from '../feedback/store.js';
import { dashboardHtml, dashboardScript } from './dashboard-page.js';
import { DeviceMetrics } from './device-metrics.js';
import { parseReports } from './report.js';
import { Timeline } from './timeline.js';

export interface MonitoringRoutesOptions {
  registry: Registry;
  /** The server's bearer check: reports are authenticated like inference when a token is set. */
  authorize: (req: IncomingMessage) => void;
  /** The server's body limits and shared buffering budget; a report request is further capped by `maxReportBytes`. */
  body: BodyLimits;
  /** Largest report request (default 256 KiB; a device report is about 2 KB). */
  maxReportBytes?: number;
  /** Dashboard period (default 60 s). */
  periodMs?: number;
  /**
   * Accuracy on user feedback per `version` and `version@channel` of a model (the feedback store's
   * tallies), shown next to abstention and latency so canary and stable are compared on it too.
   */
  feedbackSummary?: (model: string) => Record<string, FeedbackTally>;
}

const require = createRequire(import.meta.url);
/** uPlot's own files, served from this package (no CDN): the dashboard works offline and under a strict CSP. */
const UPLOT = {
  '/dashboard/uPlot.iife.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
} as const;

/**
 * `POST /monitoring/reports` (aggregated device reports → Prometheus + the dashboard's timeline),
 * `GET /dashboard` (the page), `/dashboard/data.json`, `/dashboard/dashboard.js`, and uPlot's files.
 * Returns false for any other path, so the server's router can hook it in with one line.
 */
export function createMonitoringRoutes(options: MonitoringRoutesOptions): (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> {
  const metrics = new DeviceMetrics(options.registry);
  const timeline = new Timeline(options.periodMs ?? 60_000);
  const maxBytes = options.maxReportBytes ?? 256 * 1024;
  const files = new Map<string, { body: Buffer; type: string }>();
  const file = (pathname: keyof typeof UPLOT): { body: Buffer; type: string } => {
    let entry = files.get(pathname);
    if (!entry) files.set(pathname, (entry = { body: readFileSync(UPLOT[pathname].path), type: UPLOT[pathname].type }));
    return entry;
  };
  const send = (res: ServerResponse, body: string | Buffer, type: string): void => {
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  };
  return async (req, res, pathname) => {
    if (pathname === '/monitoring/reports') {
      if (req.method !== 'POST')
        throw new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use POST`, { headers: { Allow: 'POST, OPTIONS' } });
      options.authorize(req);
      const reports = parseReports(await readBody(req, res, { ...options.body, maxBytes: Math.min(maxBytes, options.body.maxBytes) }));
      for (const report of reports) {
        metrics.ingest(report);
        timeline.add(report);
      }
      sendJson(res, 202, { accepted: reports.length });
      return true;
    }
    if (pathname !== '/dashboard' && !pathname.startsWith('/dashboard/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use GET`, { headers: { Allow: 'GET, HEAD' } });
    if (pathname === '/dashboard' || pathname === '/dashboard/') send(res, dashboardHtml(), 'text/html; charset=utf-8');
    else if (pathname === '/dashboard/dashboard.js') send(res, dashboardScript(), 'text/javascript; charset=utf-8');
    else if (pathname === '/dashboard/data.json') {
      options.authorize(req);
      const series = timeline.snapshot();
      const feedback: Record<string, Record<string, FeedbackTally>> = {};
      if (options.feedbackSummary) for (const model of new Set(series.map((s) => s.model))) feedback[model] = options.feedbackSummary(model);
      sendJson(res, 200, { periodMs: options.periodMs ?? 60_000, series, feedback });
    } else if (pathname in UPLOT) {
      const { body, type } = file(pathname as keyof typeof UPLOT);
      send(res, body, type);
    } else throw new HttpError('NOT_FOUND', `unknown dashboard file ${pathname}`);
    return true;
  };
}
