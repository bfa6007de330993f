// `node --import tsx bench/predict-ab.ts <baseline-dist>`: predict() of two builds of modelship side by
// side in one headless Chromium page, next to the minimal worker (bench/minimal-worker.ts): the build
// in dist/ (run `npm run build` first) against another build's dist folder, for example one made with
//   git stash && npm run build && cp -r dist /tmp/baseline-dist && git stash pop && npm run build
// A change worth 1% of a call is below what separate runs of `npm run bench` can show on this VM
// (their ratios move by 5% from one run to the next); interleaved in one page, both builds meet the
// same machine. As in bench/run.ts, every block starts new workers for all three, so a worker's
// placement favours none; within a block the three take turns in a rotating order.
// BENCH_AB_RUNS (default 3) runs, BENCH_AB_MONITORING=0 compares with `monitoring: false`.
// Prints a table and one JSON line.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freshProfile, startReferenceServer } from './browser.js';

const PORT = Number(process.env['BENCH_PORT'] ?? 8398);
const RUNS = Number(process.env['BENCH_AB_RUNS'] ?? 3);
const MONITORING = process.env['BENCH_AB_MONITORING'] !== '0';
/** Where the baseline is copied for the server to serve it: under dist/, so its chunks' relative URLs resolve. */
const SERVED = join('dist', 'ab-baseline');

type Lib = typeof import('../src/index.js');

/** Inside the page: median round trip (µs) of the minimal worker and of predict() from each build. */
async function compare(args: { blocks: number; calls: number; monitoring: boolean }): Promise<Record<string, number>> {
  const bytes = new Uint8Array(await (await fetch('/models/mnist/mnist-fp32.onnx')).arrayBuffer());
  const builds: Record<string, Lib> = {
    baseline: (await import('/dist/ab-baseline/index.js' as string)) as Lib,
    current: (await import('/dist/index.js' as string)) as Lib,
  };
  const sample = (): Float32Array => Float32Array.from({ length: 784 }, () => Math.random());
  let sink = 0;
  type Side = { run: (data: Float32Array) => Promise<void>; end: () => void };
  const minimal = async (): Promise<Side> => {
    const worker = new Worker('/dist/bench/minimal-worker.js', { type: 'module' });
    const reply = (): Promise<MessageEvent> => new Promise((done) => worker.addEventListener('message', done, { once: true }));
    const copy = bytes.slice();
    worker.postMessage({ type: 'load', bytes: copy, wasmPaths: '/wasm/' }, [copy.buffer]);
    await reply();
    return {
      run: async (data) => {
        worker.postMessage({ type: 'run', data, dims: [1, 1, 28, 28] }, [data.buffer]);
        sink += ((await reply()).data as { data: Float32Array }).data[0]!;
      },
      end: () => worker.terminate(),
    };
  };
  const build = (name: string) => async (): Promise<Side> => {
    const options = { wasmPaths: '/wasm/', variant: 'fp32', cache: 'memory', ...(args.monitoring ? {} : { monitoring: false as const }) } as const;
    const model = await builds[name]!.loadModel('/models/mnist/manifest.json', options);
    return { run: async (data) => void (sink += (await model.predict(data)).index), end: () => void model.dispose() };
  };
  const sides: Record<string, () => Promise<Side>> = { minimal, baseline: build('baseline'), current: build('current') };
  const names = Object.keys(sides);
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let block = 0; block < args.blocks; block++) {
    const made: Record<string, Side> = {};
    for (const name of names) made[name] = await sides[name]!();
    for (let i = 0; i < 20; i++) for (const name of names) await made[name]!.run(sample());
    for (let i = 0; i < args.calls; i++) {
      const order = [...names.slice(i % 3), ...names.slice(0, i % 3)];
      if ((i + block) % 2) order.reverse();
      for (const name of order) {
        const data = sample(); // made before the clock starts, for every side
        const started = performance.now();
        await made[name]!.run(data);
        times[name]!.push(performance.now() - started);
      }
    }
    for (const name of names) made[name]!.end();
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]! * 1000;
  return { ...Object.fromEntries(names.map((name) => [name, median(times[name]!)])), sink: sink ? 1 : 0 };
}

async function main(): Promise<void> {
  const baseline = process.argv[2];
  if (!baseline || !existsSync(join(baseline, 'index.js'))) {
    console.error('usage: node --import tsx bench/predict-ab.ts <baseline-dist> (a built dist folder, with index.js)');
    process.exitCode = 2;
    return;
  }
  if (!existsSync(join('dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first');
  cpSync(resolve(baseline), SERVED, { recursive: true });
  const runs: Record<string, number>[] = [];
  const server = await startReferenceServer(PORT, ['--coop-coep', '--no-grpc']);
  const profile = await freshProfile(server.url);
  try {
    const page = await profile.context.newPage();
    await page.goto('/empty.html');
    for (let run = 0; run < RUNS; run++) runs.push(await page.evaluate(compare, { blocks: 20, calls: 60, monitoring: MONITORING }));
  } finally {
    await profile.close();
    await server.stop();
    rmSync(SERVED, { recursive: true, force: true });
  }
  console.log(
    `\npredict() p50, two builds interleaved with the minimal worker (µs; monitoring ${MONITORING ? 'on' : 'off'}; 20 blocks × 60 calls a side per run)\n`,
  );
  console.log(
    `${'run'.padEnd(5)} ${'minimal'.padStart(8)} ${'baseline'.padStart(9)} ${'current'.padStart(8)} ${'baseline×'.padStart(10)} ${'current×'.padStart(9)} ${'current − baseline'.padStart(19)}`,
  );
  runs.forEach((r, index) => {
    const row = [r['minimal']!.toFixed(0).padStart(8), r['baseline']!.toFixed(0).padStart(9), r['current']!.toFixed(0).padStart(8)];
    const ratios = [`${(r['baseline']! / r['minimal']!).toFixed(3)}×`.padStart(10), `${(r['current']! / r['minimal']!).toFixed(3)}×`.padStart(9)];
    console.log(`${String(index + 1).padEnd(5)} ${row.join(' ')} ${ratios.join(' ')} ${`${(r['current']! - r['baseline']!).toFixed(0)} µs`.padStart(19)}`);
  });
  const rows = runs.map(({ minimal, baseline: base, current }) => ({ minimalUs: minimal, baselineUs: base, currentUs: current }));
  console.log(`\n${JSON.stringify({ bench: 'modelship-predict-ab', monitoring: MONITORING, runs: rows })}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
