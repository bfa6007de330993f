// `node --import tsx bench/predict-cost.ts`: where a batch-1 predict() spends its time, next to the
// minimal worker (bench/minimal-worker.ts), in one headless Chromium page:
// - the round trip of each call (blocks of 100 calls, the ways interleaved block by block; p50 and
//   p90 over all calls, as `npm run bench` reports p50): the minimal worker, the minimal worker
//   followed by one setTimeout (a timer's cost on a thread the reply just woke), predict() with
//   `monitoring: false`, predict() with monitoring on; then the same for batches of 64 (blocks of 5);
// - with BENCH_TOP=n, where the page's thread spends its time per call (Chrome's sampling profiler
//   over 2000 calls of each way; self time of the n busiest functions). On a busy machine the
//   sampler also counts time the thread waited for a core, so read it for proportions. The batch
//   ways are profiled too, over 100 calls each.
// Prints a table and one JSON line. Run after `npm run build`.
import type { Page } from '@playwright/test';
import { freshProfile, startReferenceServer } from './browser.js';

const PORT = Number(process.env['BENCH_PORT'] ?? 8397);
const WAYS = ['minimal', 'minimal, then a setTimeout', 'predict, monitoring off', 'predict, monitoring on'] as const;
const BATCH_WAYS = ['minimal, batch 64', 'predictBatch(64), monitoring off', 'predictBatch(64), monitoring on'] as const;

/** Inside the page: two models (monitoring off and on), the minimal worker, and one function per way. */
async function setUp(): Promise<void> {
  type Lib = typeof import('../src/index.js');
  const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
  const options = { wasmPaths: '/wasm/', variant: 'fp32', cache: 'memory' } as const;
  const [on, off] = await Promise.all([
    loadModel('/models/mnist/manifest.json', options),
    loadModel('/models/mnist/manifest.json', { ...options, monitoring: false }),
  ]);
  const worker = new Worker('/dist/bench/minimal-worker.js', { type: 'module' });
  const reply = (): Promise<MessageEvent> => new Promise((resolve) => worker.addEventListener('message', resolve, { once: true }));
  const bytes = new Uint8Array(await (await fetch('/models/mnist/mnist-fp32.onnx')).arrayBuffer());
  worker.postMessage({ type: 'load', bytes, wasmPaths: '/wasm/' }, [bytes.buffer]);
  await reply();
  // Inputs made up front, so no way pays for making them; each way reads its answer, as an app would.
  const inputs = Array.from({ length: 64 }, () => Float32Array.from({ length: 784 }, () => Math.random()));
  let sink = 0;
  const noop = (): void => undefined;
  const ways: Record<string, (i: number) => Promise<void>> = {
    minimal: async (i) => {
      const data = inputs[i % 64]!.slice();
      worker.postMessage({ type: 'run', data, dims: [1, 1, 28, 28] }, [data.buffer]);
      sink += ((await reply()).data as { data: Float32Array }).data[0]!;
    },
    // What one timer costs on a thread just woken by the worker's reply: why monitoring's counting waits in a backlog
    // that arms one timer per 50 ms, not one per call (src/monitoring/backlog.ts).
    'minimal, then a setTimeout': async (i) => {
      const data = inputs[i % 64]!.slice();
      worker.postMessage({ type: 'run', data, dims: [1, 1, 28, 28] }, [data.buffer]);
      sink += ((await reply()).data as { data: Float32Array }).data[0]!;
      setTimeout(noop, 0);
    },
    'predict, monitoring off': async (i) => {
      sink += (await off.predict(inputs[i % 64]!)).index;
    },
    'predict, monitoring on': async (i) => {
      sink += (await on.predict(inputs[i % 64]!)).index;
    },
    // The minimal side packs the batch, as an app would.
    'minimal, batch 64': async () => {
      const data = new Float32Array(64 * 784);
      inputs.forEach((input, row) => data.set(input, row * 784));
      worker.postMessage({ type: 'run', data, dims: [64, 1, 28, 28] }, [data.buffer]);
      sink += ((await reply()).data as { data: Float32Array }).data[0]!;
    },
    'predictBatch(64), monitoring off': async () => {
      sink += (await off.predictBatch(inputs))[0]!.index;
    },
    'predictBatch(64), monitoring on': async () => {
      sink += (await on.predictBatch(inputs))[0]!.index;
    },
  };
  const run = async (way: string, calls: number): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      await ways[way]!(i);
      times.push(performance.now() - started);
    }
    return times;
  };
  (globalThis as unknown as { bench: unknown }).bench = { run, sink: () => sink };
}

type PageBench = { bench: { run: (way: string, calls: number) => Promise<number[]> } };

/** Self time per call of the busiest functions on the page's thread while `way` runs `calls` times. */
async function profileWay(page: Page, way: string, calls: number, top: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.evaluate(({ way, calls }) => (globalThis as unknown as PageBench).bench.run(way, calls), { way, calls });
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.detach();
  const deltas = profile.timeDeltas ?? [];
  const byFunction = new Map<string, number>();
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples?.forEach((id, index) => {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + (deltas[index] ?? 0));
  });
  console.log(`${way}, self time per call:`);
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(us / calls).toFixed(1).padStart(7)} µs  ${name}`);
}

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.floor((p / 100) * values.length)]!;

async function main(): Promise<void> {
  const server = await startReferenceServer(PORT, ['--coop-coep', '--no-grpc']);
  const profile = await freshProfile(server.url);
  const rows: Record<string, { p50Us: number; p90Us: number }> = {};
  try {
    const page = await profile.context.newPage();
    await page.goto('/empty.html');
    await page.evaluate(setUp);
    const times: Record<string, number[]> = Object.fromEntries(WAYS.map((way) => [way, []]));
    for (const way of WAYS) await page.evaluate((way) => (globalThis as unknown as PageBench).bench.run(way, 300), way);
    for (let block = 0; block < 25; block++) {
      for (const way of WAYS) times[way]!.push(...(await page.evaluate((way) => (globalThis as unknown as PageBench).bench.run(way, 100), way)));
    }
    for (const way of BATCH_WAYS) times[way] = [];
    for (const way of BATCH_WAYS) await page.evaluate((way) => (globalThis as unknown as PageBench).bench.run(way, 10), way);
    for (let block = 0; block < 15; block++) {
      for (const way of BATCH_WAYS) times[way]!.push(...(await page.evaluate((way) => (globalThis as unknown as PageBench).bench.run(way, 5), way)));
    }
    for (const way of [...WAYS, ...BATCH_WAYS]) rows[way] = { p50Us: percentile(times[way]!, 50) * 1000, p90Us: percentile(times[way]!, 90) * 1000 };
    const top = Number(process.env['BENCH_TOP'] ?? 0);
    if (top > 0) for (const way of WAYS) await profileWay(page, way, 2000, top);
    if (top > 0) for (const way of BATCH_WAYS) await profileWay(page, way, 100, top);
  } finally {
    await profile.close();
    await server.stop();
  }
  console.log('\npredict() cost, fp32 MNIST CNN, onnxruntime-web wasm, 1 thread (µs per call; batch: 75 calls a side)\n');
  console.log(`${'way'.padEnd(34)} ${'p50'.padStart(6)} ${'vs minimal'.padStart(11)} ${'p90'.padStart(6)}`);
  for (const [way, row] of Object.entries(rows)) {
    const base = rows[way.includes('64') ? 'minimal, batch 64' : 'minimal']!;
    console.log(
      `${way.padEnd(34)} ${row.p50Us.toFixed(0).padStart(6)} ${`${(row.p50Us / base.p50Us).toFixed(2)}×`.padStart(11)} ${row.p90Us.toFixed(0).padStart(6)}`,
    );
  }
  console.log(`\n${JSON.stringify({ bench: 'modelship-predict-cost', rows })}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
