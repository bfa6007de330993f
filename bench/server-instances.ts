/**
 * Model instances on worker threads, measured: inferences/s of the benchmark MLP at batch 64
 * with 1 and 2 instances (each a session on its own thread), the ratio to sequential in-process
 * session.run, and health-probe latency while the instances compute (target p99 ≤ 5 ms), next to
 * a control (health-probe.ts): a bare node:http server probed under the same load and on the idle machine.
 * Part of `npm run bench:server`.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { probeFor, startBareServer, startProbe } from './health-probe.js';
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
  /** The control (health-probe.ts): a bare node:http server probed the same way, for a second window of the same load. */
  bareProbeP50ms: number;
  bareProbeP99ms: number;
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

export interface InstancesResult {
  rows: InstancesRow[];
  directInfPerSec: number;
  /** The control server's probe latency with no load on the machine: this machine's floor. */
  idleBareProbeP50ms: number;
  idleBareProbeP99ms: number;
}

export async function measureInstances(repository: string, threads: number, durationS: number): Promise<InstancesResult> {
  const base = await direct(join(repository, MLP_NAME, '1', 'model.onnx'), 64, threads);
  const body = binaryBody(digits(64), 64);
  const rows: InstancesRow[] = [];
  const bare = await startBareServer();
  try {
    const idle = await probeFor(bare.url, durationS);
    for (const instances of [1, 2]) rows.push(await measureOne(repository, threads, durationS, instances, base.infPerSec, body, bare.url));
    return { rows, directInfPerSec: Math.round(base.infPerSec), idleBareProbeP50ms: r2(pct(idle, 0.5)), idleBareProbeP99ms: r2(pct(idle, 0.99)) };
  } finally {
    await stopChild(bare.child);
  }
}

/**
 * One instance count: a window of batch-64 load with the server's health probed, then a second
 * window of the same load with the control server probed instead (the probes never overlap).
 */
async function measureOne(
  repository: string,
  threads: number,
  durationS: number,
  instances: number,
  directInfPerSec: number,
  body: ReturnType<typeof binaryBody>,
  bareUrl: string,
): Promise<InstancesRow> {
  const nice = process.env.BENCH_INSTANCE_NICE;
  const { url, child } = await startServer({ modelRepository: repository, intraOpNumThreads: threads, instances, ...(nice ? { instanceNice: nice === 'idle' ? ('idle' as const) : Number(nice) } : {}) });
  try {
    const target = { url: `${url}/v2/models/${MLP_NAME}/infer`, method: 'POST', headers: body.headers, body: body.body };
    await autocannon({ ...target, connections: 4, amount: 40 });
    await serverEventLoop(child); // starts the server's event-loop histogram over
    const probe = startProbe(url);
    const r: AutocannonResult = await autocannon({ ...target, connections: 4, duration: durationS });
    const lat = await probe.stop();
    const serverLoop = await serverEventLoop(child);
    const infPerSec = ((r.requests.total - r.non2xx) / r.duration) * 64;
    const bareProbe = startProbe(bareUrl);
    await autocannon({ ...target, connections: 4, duration: durationS });
    const bareLat = await bareProbe.stop();
    console.error(
      `instances ${instances}: ${Math.round(infPerSec)} inf/s, health p50/p99/max ${r2(pct(lat, 0.5))}/${r2(pct(lat, 0.99))}/${r2(lat[lat.length - 1] ?? NaN)} ms (bare node:http control under the same load ${r2(pct(bareLat, 0.5))}/${r2(pct(bareLat, 0.99))}/${r2(bareLat[bareLat.length - 1] ?? NaN)} ms); server event-loop delay p50/p99/max ${serverLoop.p50}/${serverLoop.p99}/${serverLoop.max} ms, utilisation ${serverLoop.utilization}; main thread ${serverLoop.cpuMs} ms on CPU, ${serverLoop.runQueueWaitMs} ms waiting for one, ${serverLoop.minorFaults} minor faults`,
    );
    return {
      instances,
      infPerSec: Math.round(infPerSec),
      ratioToDirect: r2(infPerSec / directInfPerSec),
      p99ms: r.latency.p99,
      probeP50ms: r2(pct(lat, 0.5)),
      probeP99ms: r2(pct(lat, 0.99)),
      probeMaxms: r2(lat[lat.length - 1] ?? NaN),
      probes: lat.length,
      bareProbeP50ms: r2(pct(bareLat, 0.5)),
      bareProbeP99ms: r2(pct(bareLat, 0.99)),
      serverLoopP99ms: serverLoop.p99,
      serverLoopMaxms: serverLoop.max,
      serverLoopUtilization: serverLoop.utilization,
      mainCpuMs: serverLoop.cpuMs,
      mainRunQueueWaitMs: serverLoop.runQueueWaitMs,
      mainCpuPerRequestMs: r2(serverLoop.cpuMs / Math.max(1, r.requests.total)),
      mainFaultsPerRequest: Math.round(serverLoop.minorFaults / Math.max(1, r.requests.total)),
    };
  } finally {
    await stopChild(child);
  }
}
