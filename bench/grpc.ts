/**
 * Protocol benchmark of the reference server: gRPC (raw_input_contents) vs binary REST (Triton's
 * binary tensor extension) vs JSON REST, on the shipped MNIST CNN, batch 1 and 64, concurrency
 * 1/8/64, side by side against ONE server (REST and gRPC ports of the same process, same
 * batcher). Each scenario runs BENCH_REPEATS times, interleaved across protocols; the table
 * shows medians. Run: npm run build, then npm run bench:grpc  (≈5 min; the server is the build, server/dist)
 *
 * Load generators (bench/protocol-load.ts) live in this process and drive all three protocols
 * alike: node:http for REST, node:http2 for gRPC, pre-built bodies, replies not decoded. The
 * server runs in a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../server/src/index.js';
import { builtServer } from './built-server.js';
import { measureCeiling, type Ceiling } from './protocol-ceiling.js';
import { checkReply, grpcBody, h2Load, httpLoad } from './protocol-load.js';
import { binaryBody, digits, jsonBody, stopChild, type Body } from './server-load.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** onnxruntime intra-op threads: 1, as bench:server (the load generator shares the 2 cores). */
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
/** Model instances of the server child: 2, what its config.pbtxt gets by default (Triton's onnxruntime CPU default), stated. */
const SERVER_INSTANCES = 2;
const MODEL = 'mnist';
const REPOSITORY = join(PACKAGE_ROOT, 'models', 'repository');
const SELF = fileURLToPath(import.meta.url);

type Protocol = 'grpc' | 'binary' | 'json';
const PROTOCOLS: Protocol[] = ['grpc', 'binary', 'json'];
const BATCHES = [1, 64];
const CONCURRENCY = [1, 8, 64];

interface Sample {
  infPerSec: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  /** CPU time per request of both processes, all threads: the server (event loop, instances) and this load generator, ms. */
  cpuMsPerRequest: number;
  /** The server's event-loop thread alone (where the protocols differ; compute runs on instance threads), ms per request. */
  loopCpuMsPerRequest: number;
}

interface Row extends Sample {
  protocol: Protocol;
  batch: number;
  concurrency: number;
  runs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r1 = (v: number): number => Math.round(v * 10) / 10;
const r2 = (v: number): number => Math.round(v * 100) / 100;

async function startServerChild(): Promise<{ url: string; grpc: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /URL (\S+) GRPC (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, grpc: m[2]!, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

/** CPU time of a process's main thread, ms, from /proc/<pid>/task/<pid>/schedstat (ns on a CPU); NaN elsewhere. */
function mainThreadCpuMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** CPU time of a whole process (all threads), ms, from /proc/<pid>/stat (utime + stime, in clock ticks of 10 ms); NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function sample(p: Protocol, server: { url: string; grpc: string; child: ChildProcess }, bodies: Map<string, Body | Buffer>, batch: number, c: number): Promise<Sample> {
  const body = bodies.get(`${p}${batch}`)!;
  const serverCpu = processCpuMs(server.child.pid!);
  const loopCpu = mainThreadCpuMs(server.child.pid!);
  const ownCpu = process.cpuUsage();
  const r = p === 'grpc' ? await h2Load(server.grpc, body as Buffer, c, DURATION_S) : await httpLoad(server.url, `/v2/models/${MODEL}/infer`, body as Body, c, DURATION_S);
  const own = process.cpuUsage(ownCpu);
  const cpuMs = processCpuMs(server.child.pid!) - serverCpu + (own.user + own.system) / 1000;
  const loopMs = mainThreadCpuMs(server.child.pid!) - loopCpu;
  const n = Math.max(1, r.ok);
  return { infPerSec: (r.ok / r.duration) * batch, p50ms: r.p50ms, p99ms: r.p99ms, errors: r.errors, cpuMsPerRequest: cpuMs / n, loopCpuMsPerRequest: loopMs / n };
}

function printTable(rows: Row[]): void {
  const header = ['protocol', 'batch', 'conc', 'inf/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'loop ms/req', 'errors', 'x JSON', 'x binary'];
  const find = (p: Protocol, r: Row): Row => rows.find((x) => x.protocol === p && x.batch === r.batch && x.concurrency === r.concurrency)!;
  const table = rows.map((r) =>
    [r.protocol, r.batch, r.concurrency, r.infPerSec, r.p50ms, r.p99ms, r.cpuMsPerRequest, r.loopCpuMsPerRequest, r.errors, r2(r.infPerSec / find('json', r).infPerSec), r2(r.infPerSec / find('binary', r).infPerSec)].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(fmt(header));
  for (const t of table) console.log(fmt(t));
}

async function main(): Promise<void> {
  const started = performance.now();
  const bodies = new Map<string, Body | Buffer>();
  for (const b of BATCHES) {
    const x = digits(b);
    bodies.set(`json${b}`, jsonBody(x, b));
    bodies.set(`binary${b}`, binaryBody(x, b));
    bodies.set(`grpc${b}`, grpcBody(x, b, MODEL));
  }
  // The parts of one batch-64 request, measured apart before the server starts (protocol-ceiling.ts).
  const ceiling: Ceiling = await measureCeiling(join(REPOSITORY, MODEL, '1', 'model.onnx'), digits(64), 64, (bodies.get('json64') as Body).body, bodies.get('grpc64') as Buffer, THREADS);
  const server = await startServerChild();
  const samples = new Map<string, Sample[]>();
  try {
    for (const b of BATCHES) await checkReply(server.grpc, bodies.get(`grpc${b}`) as Buffer, b);
    // Warm-up: the first runs of a session and of each connection type are slower.
    for (const p of PROTOCOLS) await sample(p, server, bodies, 1, 8);
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const b of BATCHES) {
        for (const c of CONCURRENCY) {
          // Rotate the protocol order per repeat, so none always runs first after a change of scenario.
          const order = PROTOCOLS.map((_, i) => PROTOCOLS[(i + rep) % PROTOCOLS.length]!);
          for (const p of order) {
            const s = await sample(p, server, bodies, b, c);
            const key = `${p}/${b}/${c}`;
            samples.set(key, [...(samples.get(key) ?? []), s]);
            console.error(`run ${rep + 1}/${REPEATS} ${p} b${b} c${c}: ${r1(s.infPerSec)} inf/s, p50 ${s.p50ms} ms, p99 ${s.p99ms} ms, errors ${s.errors}`);
          }
        }
      }
    }
  } finally {
    await stopChild(server.child);
  }
  const rows: Row[] = [];
  for (const b of BATCHES) {
    for (const c of CONCURRENCY) {
      for (const p of PROTOCOLS) {
        const s = samples.get(`${p}/${b}/${c}`)!;
        rows.push({
          protocol: p,
          batch: b,
          concurrency: c,
          runs: s.length,
          infPerSec: r1(median(s.map((x) => x.infPerSec))),
          p50ms: r2(median(s.map((x) => x.p50ms))),
          p99ms: r2(median(s.map((x) => x.p99ms))),
          cpuMsPerRequest: r2(median(s.map((x) => x.cpuMsPerRequest))),
          loopCpuMsPerRequest: r2(median(s.map((x) => x.loopCpuMsPerRequest))),
          errors: s.reduce((a, x) => a + x.errors, 0),
        });
      }
    }
  }
  const get = (p: Protocol, b: number, c: number): number => rows.find((r) => r.protocol === p && r.batch === b && r.concurrency === c)!.infPerSec;
  const ratios = (over: Protocol): Record<string, number> => Object.fromEntries(CONCURRENCY.map((c) => [`c${c}`, r2(get('grpc', 64, c) / get(over, 64, c))]));
  const vsBinary = ratios('binary');
  const vsJson = ratios('json');
  printTable(rows);
  console.log(`machine load average (1 min): ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores; medians of ${REPEATS} runs of ${DURATION_S} s`);
  console.log(`gRPC / binary REST at batch 64: ${Object.entries(vsBinary).map(([k, v]) => `${k} ${v}x`).join(', ')} (target >= 1x)`);
  console.log(`gRPC / JSON REST at batch 64: ${Object.entries(vsJson).map(([k, v]) => `${k} ${v}x`).join(', ')} (target >= 5x)`);
  // How far gRPC / JSON can go on this machine, from the parts (protocol-ceiling.ts). With one
  // request in flight a gRPC call takes at least one session.run plus the protocol's own round
  // trip (gRPC at batch 1, whose compute is ~0.1 ms). With more in flight, gRPC can at best keep
  // every core computing (the server runs SERVER_INSTANCES instances) and spend nothing else, so
  // its requests/s are at most min(cores, instances) / session.run; the ratio is that over JSON's
  // measured requests/s. (JSON decodes on the one event-loop thread, so it need not use every
  // core: dividing JSON's CPU per request by session.run, as this bench did before 2026-12-03,
  // bounds the ratio only when JSON saturates the machine, and understated it when it did not.)
  const row = (p: Protocol, b: number, c: number): Row => rows.find((r) => r.protocol === p && r.batch === b && r.concurrency === c)!;
  const jsonMsPerRequest = (1000 * 64) / get('json', 64, 1);
  const computeCores = Math.min(availableParallelism(), SERVER_INSTANCES);
  const ceilings: Record<string, number> = { c1: r2(jsonMsPerRequest / (ceiling.computeMs + row('grpc', 1, 1).p50ms)) };
  for (const c of CONCURRENCY.slice(1)) ceilings[`c${c}`] = r2((computeCores * 1000) / ceiling.computeMs / (get('json', 64, c) / 64));
  console.log(
    `batch 64, the parts: session.run ${ceiling.computeMs} ms in-process; the server's JSON decode ${ceiling.jsonDecodeMs} ms (${ceiling.jsonBytes} B body vs ${ceiling.grpcBytes} B gRPC); JSON REST ${r2(jsonMsPerRequest)} ms per request at 1 in flight, ${CONCURRENCY.slice(1).map((c) => `${row('json', 64, c).cpuMsPerRequest} ms of CPU per request at ${c}`).join(', ')}`,
  );
  console.log(`gRPC / JSON REST cannot exceed, at batch 64 (gRPC costing only compute + its batch-1 round trip at 1 in flight; above, ${computeCores} cores doing nothing but session.run): ${Object.entries(ceilings).map(([k, v]) => `${k} ${v}x`).join(', ')}`);
  console.log(JSON.stringify({
    bench: 'grpc',
    model: MODEL,
    loadAverage1m: r2(loadavg()[0]!),
    intraOpThreads: THREADS,
    durationPerRunS: DURATION_S,
    repeats: REPEATS,
    rows,
    ceiling: { ...ceiling, grpcVsJsonCeiling: ceilings },
    targets: {
      grpcVsBinaryBatch64: vsBinary,
      grpcVsBinaryMet: Object.values(vsBinary).every((v) => v >= 1),
      grpcVsJsonBatch64: vsJson,
      grpcVsJsonMet: Object.values(vsJson).every((v) => v >= 5),
    },
    totalSeconds: Math.round((performance.now() - started) / 1000),
  }));
}

// ---- entry: the child mode is just a server (batching per the model's config) -------------
async function child(): Promise<void> {
  const { createServer } = await builtServer();
  const server = createServer({ modelRepository: REPOSITORY, static: false, intraOpNumThreads: THREADS, instances: SERVER_INSTANCES, log: (m) => console.error(m) });
  const url = await server.listen(0, '127.0.0.1');
  const grpc = await server.listenGrpc(0, '127.0.0.1');
  await server.loaded;
  console.log(`URL ${url} GRPC ${grpc}`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

if (process.argv[2] === '--child') await child();
else await main();
