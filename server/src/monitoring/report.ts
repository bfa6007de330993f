import { HttpError } from '../errors.js';

/** One aggregated device report: the library's ReportBody (src/monitoring/monitor.ts), kept equal by server/test/report-wire.types.ts. */
export interface DeviceReport {
  schema: 1;
  model: string;
  version: string;
  channel: string;
  predictions: number;
  route: Record<string, number>;
  runtime: Record<string, number>;
  variant: Record<string, number>;
  latency: { boundsMs: number[]; counts: number[] };
  errors: Record<string, number>;
  fallbacks: Record<string, number>;
  abstentions: Record<string, number>;
  cache: Record<string, number>;
  drift: Record<string, { jensenShannon: number; psi: number }>;
}

export const MAX_REPORTS_PER_REQUEST = 100;
const MAX_KEYS = 40;
const MAX_COUNT = 1e9;
/** Names become Prometheus label values: short and plain, so a client cannot blow up cardinality with junk. */
const NAME = /^[\w.@:+\-→ /]{1,80}$/u;

const bad = (field: string, message: string): HttpError => new HttpError('BAD_REQUEST', `reports: ${field} ${message}`);

function name(value: unknown, field: string): string {
  if (typeof value !== 'string' || !NAME.test(value)) throw bad(field, 'must be a short name (letters, digits, . _ - : @ / →)');
  return value;
}

function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_COUNT) throw bad(field, 'must be a non-negative integer');
  return value;
}

function counts(value: unknown, field: string): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(field, 'must be an object of counts');
  const entries = Object.entries(value);
  if (entries.length > MAX_KEYS) throw bad(field, `has more than ${MAX_KEYS} keys`);
  return Object.fromEntries(entries.map(([key, n]) => [name(key, `${field} key`), count(n, `${field}.${key}`)]));
}

function figure(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) throw bad(field, 'must be a finite number in [0, 100]');
  return value;
}

const KNOWN = new Set([
  'schema',
  'model',
  'version',
  'channel',
  'predictions',
  'route',
  'runtime',
  'variant',
  'latency',
  'errors',
  'fallbacks',
  'abstentions',
  'cache',
  'drift',
]);

/** Parses `{ reports: [...] }`, refusing anything else with a 400 that names the field. */
export function parseReports(body: Buffer): DeviceReport[] {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError('BAD_REQUEST', 'reports: body is not JSON');
  }
  const reports = (data as { reports?: unknown } | null)?.reports;
  if (!Array.isArray(reports) || reports.length === 0 || reports.length > MAX_REPORTS_PER_REQUEST) {
    throw bad('reports', `must be an array of 1 to ${MAX_REPORTS_PER_REQUEST} reports`);
  }
  return reports.map((raw, i) => parseReport(raw, `reports[${i}]`));
}

function parseReport(raw: unknown, at: string): DeviceReport {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(at, 'must be an object');
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!KNOWN.has(key)) throw bad(`${at}.${key}`, 'is not a report field');
  if (r['schema'] !== 1) throw bad(`${at}.schema`, 'must be 1');
  const latency = r['latency'] as { boundsMs?: unknown; counts?: unknown } | undefined;
  if (
    !latency ||
    !Array.isArray(latency.boundsMs) ||
    !Array.isArray(latency.counts) ||
    latency.boundsMs.length > 128 ||
    latency.counts.length !== latency.boundsMs.length + 1
  ) {
    throw bad(`${at}.latency`, 'must be { boundsMs: number[] (≤ 128, ascending), counts: number[] (one more) }');
  }
  const boundsMs = latency.boundsMs.map((b, j) => figureMs(b, `${at}.latency.boundsMs[${j}]`));
  if (boundsMs.some((b, j) => j > 0 && b <= boundsMs[j - 1]!)) throw bad(`${at}.latency.boundsMs`, 'must be ascending');
  const driftRaw = r['drift'];
  if (typeof driftRaw !== 'object' || driftRaw === null || Array.isArray(driftRaw) || Object.keys(driftRaw).length > MAX_KEYS)
    throw bad(`${at}.drift`, 'must be an object');
  const drift = Object.fromEntries(
    Object.entries(driftRaw as Record<string, { jensenShannon?: unknown; psi?: unknown }>).map(([q, f]) => [
      name(q, `${at}.drift key`),
      { jensenShannon: figure(f?.jensenShannon, `${at}.drift.${q}.jensenShannon`), psi: figure(f?.psi, `${at}.drift.${q}.psi`) },
    ]),
  );
  return {
    schema: 1,
    model: name(r['model'], `${at}.model`),
    version: name(r['version'], `${at}.version`),
    channel: name(r['channel'], `${at}.channel`),
    predictions: count(r['predictions'], `${at}.predictions`),
    route: counts(r['route'], `${at}.route`),
    runtime: counts(r['runtime'], `${at}.runtime`),
    variant: counts(r['variant'], `${at}.variant`),
    latency: { boundsMs, counts: latency.counts.map((c, j) => count(c, `${at}.latency.counts[${j}]`)) },
    errors: counts(r['errors'], `${at}.errors`),
    fallbacks: counts(r['fallbacks'], `${at}.fallbacks`),
    abstentions: counts(r['abstentions'], `${at}.abstentions`),
    cache: counts(r['cache'], `${at}.cache`),
    drift,
  };
}

function figureMs(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1e7) throw bad(field, 'must be a positive number of ms');
  return value;
}
