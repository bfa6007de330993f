/**
 * Overload control, measured (part of `npm run bench:server`):
 * - 4× capacity: the MLP's capacity (batch-1 requests/s, closed loop) is measured first, then
 *   4× that rate is offered over 256 connections, with the queue bounded (max_queue_size) and
 *   unbounded side by side: p99 of accepted requests, share refused (503 + Retry-After), and the
 *   server's RSS over the run.
 * - Body memory: RSS of a server receiving 8 concurrent 60 MiB uploads, with the default cap on
 *   buffered body bytes and with no cap.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { MLP_NAME, writeMlpRepository } from './mlp-model.js';
import { autocannon, autocannonInstance, binaryBody, digits, rssOf, startServer, stopChild } from './server-load.js';

const MB = 1024 * 1024;
const r1 = (v: number): number => Math.round(v * 10) / 10;
const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;

export interface OverloadRow {
  queue: string;
  offeredPerSec: number;
  acceptedPerSec: number;
  refusedShare: number;
  acceptedP50ms: number;
  acceptedP99ms: number;
  rssStartMB: number;
  rssMaxMB: number;
  rssEndMB: number;
}

/**
 * Offers `perSec` requests per second over many connections (autocannon's overallRate), so the
 * offered load stays far above what the server completes; accepted and refused requests are
 * told apart per response.
 */
async function overload(
  url: string,
  body: { body: Buffer; headers: Record<string, string> },
  perSec: number,
  seconds: number,
  pid: number,
): Promise<Omit<OverloadRow, 'queue' | 'offeredPerSec'>> {
  const accepted: number[] = [];
  let refused = 0;
  const rss: number[] = [rssOf(pid)];
  const sampler = setInterval(() => rss.push(rssOf(pid)), 250);
  const run = autocannonInstance({ url, method: 'POST', headers: body.headers, body: body.body, connections: 256, overallRate: perSec, duration: seconds });
  run.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200) accepted.push(ms);
    else refused++;
  });
  const r = await run;
  clearInterval(sampler);
  rss.push(rssOf(pid));
  accepted.sort((a, b) => a - b);
  const total = accepted.length + refused;
  return {
    acceptedPerSec: r1(accepted.length / r.duration),
    refusedShare: Math.round((refused / Math.max(1, total)) * 1000) / 1000,
    acceptedP50ms: r1(pct(accepted, 0.5)),
    acceptedP99ms: r1(pct(accepted, 0.99)),
    rssStartMB: Math.round(rss[0]! / MB),
    rssMaxMB: Math.round(Math.max(...rss) / MB),
    rssEndMB: Math.round(rss[rss.length - 1]! / MB),
  };
}

export async function measureOverload(
  root: string,
  threads: number,
  durationS: number,
  maxQueueSize = 32,
): Promise<{ capacityPerSec: number; rows: OverloadRow[] }> {
  const body = binaryBody(digits(1), 1);
  const rows: OverloadRow[] = [];
  let capacity = 0;
  for (const [queue, policy] of [
    ['unbounded', ''],
    [`max_queue_size ${maxQueueSize}`, `default_queue_policy { max_queue_size: ${maxQueueSize} }`],
  ] as const) {
    const repository = writeMlpRepository(join(root, queue.replace(/\W+/g, '-')), 'instance_group [ { count: 2 kind: KIND_CPU } ]\n', policy);
    const { url, child } = await startServer({ modelRepository: repository, intraOpNumThreads: threads });
    try {
      const target = `${url}/v2/models/${MLP_NAME}/infer`;
      if (capacity === 0) {
        await autocannon({ url: target, method: 'POST', headers: body.headers, body: body.body, connections: 16, amount: 200 });
        const r = await autocannon({ url: target, method: 'POST', headers: body.headers, body: body.body, connections: 16, duration: durationS });
        capacity = (r.requests.total - r.non2xx) / r.duration;
        console.error(`MLP capacity: ${r1(capacity)} req/s (batch 1, 16 connections)`);
      }
      const offered = Math.round(capacity * 4);
      const row = await overload(target, body, offered, durationS * 2, child.pid!);
      rows.push({ queue, offeredPerSec: offered, ...row });
      console.error(
        `4x capacity, ${queue}: accepted p99 ${row.acceptedP99ms} ms, refused ${row.refusedShare}, RSS ${row.rssStartMB}→${row.rssMaxMB}→${row.rssEndMB} MB`,
      );
    } finally {
      await stopChild(child);
    }
  }
  return { capacityPerSec: r1(capacity), rows };
}

export interface UploadRow {
  cap: string;
  rssBeforeMB: number;
  rssPeakMB: number;
  rssAfterMB: number;
  statuses: string;
}

/** One upload of `bytes` (not JSON: the server reads it all, then answers 400, or refuses it 503). */
function upload(url: string, bytes: number): Promise<number> {
  const { hostname, port } = new URL(url);
  const chunk = Buffer.alloc(MB, 0x20);
  return new Promise((resolve) => {
    const req = request({ host: hostname, port, path: '/v2/models/mnist/infer', method: 'POST', headers: { 'Content-Length': String(bytes) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

export async function measureUploads(mnistRepository: string): Promise<UploadRow[]> {
  const rows: UploadRow[] = [];
  for (const [cap, options] of [
    ['none', { maxBufferedBodyBytes: Number.MAX_SAFE_INTEGER }],
    ['default (256 MiB)', {}],
  ] as const) {
    const { url, child } = await startServer({ modelRepository: mnistRepository, instances: 1, ...options });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const before = rssOf(child.pid!);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid!))), 50);
      const statuses = await Promise.all(Array.from({ length: 8 }, () => upload(url, 60 * MB)));
      clearInterval(sampler);
      await new Promise((r) => setTimeout(r, 3000));
      const counts = new Map<number, number>();
      for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
      rows.push({
        cap,
        rssBeforeMB: Math.round(before / MB),
        rssPeakMB: Math.round(peak / MB),
        rssAfterMB: Math.round(rssOf(child.pid!) / MB),
        statuses: [...counts].map(([s, n]) => `${n}×${s}`).join(' '),
      });
      console.error(
        `8 × 60 MiB uploads, cap ${cap}: RSS ${rows.at(-1)!.rssBeforeMB} → peak ${rows.at(-1)!.rssPeakMB} → ${rows.at(-1)!.rssAfterMB} MB (${rows.at(-1)!.statuses})`,
      );
    } finally {
      await stopChild(child);
    }
  }
  return rows;
}
