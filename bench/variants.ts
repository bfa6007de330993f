// Runtime × variant table: load, first run, batch-1 percentiles, batch-64 throughput, bytes, and
// held-out accuracy measured in the browser through modelship. Called from bench/run.ts, or alone:
// `node --import tsx bench/variants.ts`.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Manifest } from '../src/manifest/types.js';
import { freshProfile, startReferenceServer } from './browser.js';
import { loadHeldOut } from './heldout.js';
import { benchRow, type RowResult } from './variants-page.js';

const MANIFEST = '/models/mnist/manifest.json';
const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;

interface Case {
  runtime: string;
  variant: string;
  numThreads: number;
}

const CASES: Case[] = [
  ...['onnx-wasm', 'onnx-webgpu'].flatMap((runtime) => ['fp32', 'int8', 'pruned'].map((variant) => ({ runtime, variant, numThreads: 1 }))),
  // The page is cross-origin isolated, so this one really runs two threads.
  { runtime: 'onnx-wasm', variant: 'fp32', numThreads: 2 },
  ...['tfjs-wasm', 'tfjs-webgpu', 'tfjs-webgl', 'tfjs-cpu'].map((runtime) => ({ runtime, variant: 'tfjs-uint8', numThreads: 1 })),
  ...['litert-wasm', 'litert-webgpu'].map((runtime) => ({ runtime, variant: 'tflite-fp32', numThreads: 1 })),
];

/** BENCH_RUNTIMES=onnx-wasm,litert-wasm measures only those runtimes' rows (all of them by default). */
function selectedCases(): Case[] {
  const only = process.env['BENCH_RUNTIMES']?.split(',').filter(Boolean);
  return only ? CASES.filter((c) => only.includes(c.runtime)) : CASES;
}

/**
 * SwiftShader WebGPU needs 2–6 s per batch of 64 here, so its rows time fewer runs and classify
 * every 16th held-out digit (BENCH_FULL_HELDOUT=1 for all of them); the table says which, and how
 * many of those labels equal the wasm row's of the same variant.
 */
function runsFor(runtime: string): { batch1Runs: number; batch64Runs: number; stride: number } {
  const full = process.env['BENCH_FULL_HELDOUT'] === '1';
  if (runtime.endsWith('webgpu')) return { batch1Runs: 20, batch64Runs: 2, stride: full ? 1 : 16 };
  if (runtime === 'tfjs-webgl') return { batch1Runs: 20, batch64Runs: 5, stride: 1 };
  if (runtime === 'tfjs-cpu') return { batch1Runs: 50, batch64Runs: 5, stride: 1 };
  return { batch1Runs: 200, batch64Runs: 20, stride: 1 };
}

export interface VariantRow extends RowResult {
  requested: string;
  executionProvider: string;
  variant: string;
  numThreads: number;
  modelBytes: number;
  /** Runtime code and wasm fetched during the row (/dist/ chunks, worker, /wasm/), from Content-Length. */
  runtimeBytes: number;
  /** Held-out digits classified, and the share right. */
  heldOut: number;
  accuracy?: number;
  manifestAccuracy: number;
  /** Same label as the wasm row of the same variant, on the digits both classified. */
  agreesWithWasm?: string;
  batch1Runs: number;
  batch64Runs: number;
  stride: number;
}

async function measure(baseUrl: string, testCase: Case, heldOut: ReturnType<typeof loadHeldOut>): Promise<VariantRow> {
  const variant = manifest.variants.find((v) => v.id === testCase.variant)!;
  const runs = runsFor(testCase.runtime);
  const profile = await freshProfile(baseUrl);
  let runtimeBytes = 0;
  try {
    const { context } = profile;
    await context.route('**/bench-heldout/images.f32', (route) => route.fulfill({ body: Buffer.from(heldOut.images.buffer), contentType: 'application/octet-stream' }));
    await context.route('**/bench-heldout/labels.u8', (route) => route.fulfill({ body: Buffer.from(heldOut.labels), contentType: 'application/octet-stream' }));
    if (testCase.runtime === 'tfjs-webgl') {
      // The manifest does not list tfjs-webgl; the adapter exists, so measure it anyway.
      await context.route(`**${MANIFEST}`, async (route) => {
        const edited = (await (await route.fetch()).json()) as Manifest;
        for (const v of edited.variants) if (v.format === 'tfjs-layers') v.runtimes.push('tfjs-webgl');
        await route.fulfill({ json: edited });
      });
    }
    const page = await context.newPage();
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (/^\/(dist\/chunks|wasm)\/|^\/dist\/worker\.js$/.test(path)) runtimeBytes += Number(response.headers()['content-length'] ?? 0);
    });
    await page.goto('/empty.html');
    const result = await page.evaluate(benchRow, { manifest: MANIFEST, runtime: testCase.runtime, variant: testCase.variant, numThreads: testCase.numThreads, ...runs });
    return {
      ...result,
      ...runs,
      requested: testCase.runtime,
      executionProvider: testCase.runtime.split('-').slice(1).join('-'),
      variant: testCase.variant,
      numThreads: testCase.numThreads,
      modelBytes: variant.files.reduce((sum, file) => sum + file.bytes, 0),
      runtimeBytes,
      heldOut: result.predicted?.length ?? 0,
      accuracy: result.predicted && result.predicted.filter((label, i) => label === heldOut.labels[i * runs.stride]).length / result.predicted.length,
      manifestAccuracy: variant.accuracy,
    };
  } finally {
    await profile.close();
  }
}

/** A GPU row on a subset is only as good as its agreement with the wasm row of the same variant. */
function compareWithWasm(rows: VariantRow[]): void {
  for (const row of rows) {
    const wasm = rows.find((r) => r.variant === row.variant && r.executionProvider === 'wasm' && r.stride === 1 && r.numThreads === 1 && r.predicted);
    if (!wasm || wasm === row || !row.predicted) continue;
    const same = row.predicted.filter((label, i) => label === wasm.predicted![(i * row.stride) / wasm.stride]).length;
    row.agreesWithWasm = `${same}/${row.predicted.length}`;
  }
}

const ms = (value: number | undefined): string => (value === undefined ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(0));
const mb = (bytes: number): string => (bytes / 1e6).toFixed(bytes < 1e6 ? 2 : 1);
const pct = (value: number | undefined): string => (value === undefined ? '–' : `${(value * 100).toFixed(2)}%`);

export function formatVariantsTable(rows: VariantRow[]): string {
  const header = ['runtime', 'EP', 'variant', 'thr', 'load ms', 'first ms', 'p50 ms', 'p95 ms', 'b64 inf/s', 'model MB', 'runtime MB', 'held-out n', 'acc (browser)', 'acc (manifest)', '= wasm labels', 'runs b1/b64'];
  const lines = rows.map((r) =>
    r.error
      ? [r.requested, r.executionProvider, r.variant, String(r.numThreads), `failed: ${r.error.split('\n').slice(-1)[0]!.slice(0, 100)}`]
      : [
          r.runtime ?? r.requested,
          r.executionProvider,
          r.variant,
          String(r.numThreads),
          ms(r.loadMs),
          ms(r.firstRunMs),
          ms(r.p50),
          ms(r.p95),
          r.batch64Ms ? (64_000 / r.batch64Ms).toFixed(0) : '–',
          mb(r.modelBytes),
          mb(r.runtimeBytes),
          String(r.heldOut),
          pct(r.accuracy),
          pct(r.manifestAccuracy),
          r.agreesWithWasm ?? '–',
          `${r.batch1Runs}/${r.batch64Runs}`,
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => (line.length === header.length ? line[i]!.length : 0))));
  const format = (cells: string[]): string => (cells.length === header.length ? cells.map((c, i) => c.padEnd(widths[i]!)).join('  ') : cells.join('  '));
  return [
    'modelship — runtime × variant, headless Chromium (cross-origin isolated page). WebGPU is SwiftShader (software: correctness, not speed),',
    'so its rows time fewer runs and classify a subset of the held-out set (held-out n); "= wasm labels" compares them with the wasm row.',
    format(header),
    ...lines.map(format),
  ].join('\n');
}

/** Starts its own reference server (COOP/COEP for 5 µs timers), measures every case, stops the server. */
export async function benchVariants(options: { port?: number } = {}): Promise<{ rows: Omit<VariantRow, 'predicted'>[]; table: string }> {
  const heldOut = loadHeldOut();
  const server = await startReferenceServer(options.port ?? Number(process.env['BENCH_VARIANTS_PORT'] ?? 8394), ['--coop-coep', '--no-grpc']);
  const rows: VariantRow[] = [];
  try {
    for (const testCase of selectedCases()) rows.push(await measure(server.url, testCase, heldOut));
    compareWithWasm(rows);
  } finally {
    await server.stop();
  }
  // Per-digit labels served the comparison; the JSON keeps the numbers.
  const summary = rows.map(({ predicted: _predicted, ...row }) => row);
  return { rows: summary, table: formatVariantsTable(rows) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  benchVariants()
    .then(({ rows, table }) => {
      console.log(`\n${table}\n(${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      console.log(JSON.stringify({ bench: 'modelship-variants', rows }));
    })
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
