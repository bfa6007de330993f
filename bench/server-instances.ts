/**
 * Model instances on worker threads, measured: inferences/s of the benchmark MLP at batch 64
 * with 1 and 2 instances (each a session on its own thread), the ratio to sequential in-process
 * session.run, and health-probe latency while the instances compute (target p99 ≤ 5 ms).
 * Part of `npm run bench:server`.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
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
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/** Sequential GET /v2/health/ready every 10 ms until `until`; latencies in ms. */
async function probe(url: string, until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!until()) {
    const t = performance.now();
    const res = await fetch(`${url}/v2/health/ready`);
    await res.arrayBuffer();
    out.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  return out;
}

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;

export async function measureInstances(repository: string, threads: number, durationS: number): Promise<{ rows: InstancesRow[]; directInfPerSec: number }> {
  const base = await direct(join(repository, MLP_NAME, '1', 'model.onnx'), 64, threads);
  const body = binaryBody(digits(64), 64);
  const rows: InstancesRow[] = [];
  for (const instances of [1, 2]) {
    const { url, child } = await startServer({ modelRepository: repository, intraOpNumThreads: threads, instances });
    try {
      const target = { url: `${url}/v2/models/${MLP_NAME}/infer`, method: 'POST', headers: body.headers, body: body.body };
      await autocannon({ ...target, connections: 4, amount: 40 });
      let done = false;
      const probes = probe(url, () => done);
      const r: AutocannonResult = await autocannon({ ...target, connections: 4, duration: durationS });
      done = true;
      const lat = (await probes).sort((a, b) => a - b);
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
      });
      console.error(`instances ${instances}: ${Math.round(infPerSec)} inf/s, health p99 ${r2(pct(lat, 0.99))} ms`);
    } finally {
      await stopChild(child);
    }
  }
  return { rows, directInfPerSec: Math.round(base.infPerSec) };
}
