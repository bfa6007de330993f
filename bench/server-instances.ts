/**
 * Model instances on worker threads, measured: inferences/s of the benchmark MLP at batch 64
 * with 1 and 2 instances (each a session on its own thread), the ratio to sequential in-process
 * session.run, and health-probe latency while the instances compute (target p99 ≤ 5 ms).
 * Part of `npm run bench:server`.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MLP_NAME } from './mlp-model.js';
import { autocannon, binaryBody, digits, direct, startServer, stopChild, type AutocannonResult } from './server-load.js';

export interface InstancesRow {
  instances: number;
  infPerSec: number;
  ratioToDirect: number;
  p99ms: number;
  probeP50ms: number;
  probeP99ms: number;
  probeMaxms: number;
  probes: number;
  /** The server's own event loop during the load: delay p99 and max (ms, 1 ms resolution) and utilisation. */
  serverLoopP99ms: number;
  serverLoopMaxms: number;
  serverLoopUtilization: number;
  /** The server's main thread during the load: ms on a CPU, ms runnable but waiting for a CPU (Linux schedstat). */
  mainCpuMs: number;
  mainRunQueueWaitMs: number;
  /** Main-thread CPU per request, ms, and minor page faults per request. */
  mainCpuPerRequestMs: number;
  mainFaultsPerRequest: number;
}

export interface EventLoopReport {
  p50: number;
  p99: number;
  max: number;
  utilization: number;
  cpuMs: number;
  runQueueWaitMs: number;
  minorFaults: number;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * Sequential GET /v2/health/ready every 10 ms until stopped, latencies in ms, from a worker
 * thread of its own with a keep-alive socket (node:http). Timed on the bench's main thread, where
 * autocannon's 4 connections do their JS work, a probe also waited for the load generator's own
 * event loop: the server's answer was measured together with the client's stalls.
 */
const PROBE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(require('node:worker_threads').workerData.url);
// Diagnostic (BENCH_PROBE_NICE, needs CAP_SYS_NICE): this thread only, as the server's BENCH_SERVER_NICE.
if (require('node:worker_threads').workerData.nice) require('node:os').setPriority(0, Number(require('node:worker_threads').workerData.nice));
const out = [];
let stop = false;
parentPort.on('message', () => { stop = true; });
const once = () => new Promise((resolve, reject) => {
  const t = performance.now();
  http.get({ host: url.hostname, port: url.port, path: '/v2/health/ready', agent }, (res) => {
    res.resume();
    res.on('end', () => resolve(performance.now() - t));
  }).on('error', reject);
});
(async () => {
  while (!stop) {
    out.push(await once());
    await new Promise((r) => setTimeout(r, 10));
  }
  agent.destroy();
  parentPort.postMessage(out);
})();
`;

function startProbe(url: string): { stop: () => Promise<number[]> } {
  const worker = new Worker(PROBE, { eval: true, workerData: { url, nice: process.env.BENCH_PROBE_NICE } });
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (m: number[]) => resolve(m));
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}

/** The server child's event-loop delay since the last report (bench/server-child.ts, SIGUSR2). */
function serverEventLoop(child: ChildProcess): Promise<EventLoopReport> {
  return new Promise((resolve) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /ELD (\{[^\n]*\})/.exec(out);
      if (!m) return;
      child.stdout!.off('data', onData);
      resolve(JSON.parse(m[1]!) as EventLoopReport);
    };
    child.stdout!.on('data', onData);
    child.kill('SIGUSR2');
  });
}

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;

export async function measureInstances(repository: string, threads: number, durationS: number): Promise<{ rows: InstancesRow[]; directInfPerSec: number }> {
  const base = await direct(join(repository, MLP_NAME, '1', 'model.onnx'), 64, threads);
  const body = binaryBody(digits(64), 64);
  const rows: InstancesRow[] = [];
  for (const instances of [1, 2]) {
    const nice = process.env.BENCH_INSTANCE_NICE;
    const { url, child } = await startServer({ modelRepository: repository, intraOpNumThreads: threads, instances, ...(nice ? { instanceNice: nice === 'idle' ? ('idle' as const) : Number(nice) } : {}) });
    try {
      const target = { url: `${url}/v2/models/${MLP_NAME}/infer`, method: 'POST', headers: body.headers, body: body.body };
      await autocannon({ ...target, connections: 4, amount: 40 });
      await serverEventLoop(child); // starts the server's event-loop histogram over
      const probe = startProbe(url);
      const r: AutocannonResult = await autocannon({ ...target, connections: 4, duration: durationS });
      const lat = (await probe.stop()).sort((a, b) => a - b);
      const serverLoop = await serverEventLoop(child);
      const infPerSec = ((r.requests.total - r.non2xx) / r.duration) * 64;
      rows.push({
        instances,
        infPerSec: Math.round(infPerSec),
        ratioToDirect: r2(infPerSec / base.infPerSec),
        p99ms: r.latency.p99,
        probeP50ms: r2(pct(lat, 0.5)),
        probeP99ms: r2(pct(lat, 0.99)),
        probeMaxms: r2(lat[lat.length - 1] ?? NaN),
        probes: lat.length,
        serverLoopP99ms: serverLoop.p99,
        serverLoopMaxms: serverLoop.max,
        serverLoopUtilization: serverLoop.utilization,
        mainCpuMs: serverLoop.cpuMs,
        mainRunQueueWaitMs: serverLoop.runQueueWaitMs,
        mainCpuPerRequestMs: r2(serverLoop.cpuMs / Math.max(1, r.requests.total)),
        mainFaultsPerRequest: Math.round(serverLoop.minorFaults / Math.max(1, r.requests.total)),
      });
      console.error(`instances ${instances}: ${Math.round(infPerSec)} inf/s, health p50/p99/max ${r2(pct(lat, 0.5))}/${r2(pct(lat, 0.99))}/${r2(lat[lat.length - 1] ?? NaN)} ms; server event-loop delay p50/p99/max ${serverLoop.p50}/${serverLoop.p99}/${serverLoop.max} ms, utilisation ${serverLoop.utilization}; main thread ${serverLoop.cpuMs} ms on CPU, ${serverLoop.runQueueWaitMs} ms waiting for one, ${serverLoop.minorFaults} minor faults`);
    } finally {
      await stopChild(child);
    }
  }
  return { rows, directInfPerSec: Math.round(base.infPerSec) };
}
