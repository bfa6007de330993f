// `npm run bench:warm-start`: a fresh profile's first visit and its second visit (the same profile
// reloaded) on loopback, side by side in one run, for `auto` and `fp32` (onnx-wasm), with where each
// load spends its time (`info().timings`, plus the first prediction). Target (issue 15 §2): the
// second visit ≤ 40% of the first. Prints tables and one JSON line.
import { startReferenceServer } from './browser.js';
import { type Breakdown, NETWORKS, measureLoads } from './load.js';

const PORT = Number(process.env['BENCH_PORT'] ?? 8398);
const MANIFEST = '/models/mnist/manifest.json';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const VARIANTS = (process.env['BENCH_VARIANTS'] ?? 'auto,fp32').split(',');
/** BENCH_LATER_VISITS=n: n more reloads of each round's profile after the second visit (their totals are printed too). */
const LATER = Number(process.env['BENCH_LATER_VISITS'] ?? 0);
const PHASES = ['manifest', 'plan', 'files', 'worker', 'runtime-import', 'runtime-fetch', 'compile', 'session', 'proof', 'first-run', 'total', 'long tasks', 'longest task'];
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** Per phase, the median over the rounds (a phase missing from a round counts 0). */
function medianBreakdown(rounds: Breakdown[]): Breakdown {
  return Object.fromEntries(PHASES.map((phase) => [phase, median(rounds.map((round) => round[phase] ?? 0))]));
}

async function main(): Promise<void> {
  const loopback = NETWORKS.find((profile) => profile.downBytesPerSecond === undefined)!;
  // The same server as `npm run bench` (cross-origin isolated), so the numbers compare.
  const server = await startReferenceServer(PORT, ['--coop-coep', '--no-grpc']);
  const rows: Record<string, { runtime: string; warmRuntime: string; firstMs: number; secondMs: number; ratio: number; first: Breakdown; second: Breakdown }> = {};
  try {
    for (const variant of VARIANTS) {
      const loads = await measureLoads(server.url, MANIFEST, loopback, ROUNDS, variant, LATER);
      const firstMs = median(loads.cold);
      const secondMs = median(loads.warm);
      rows[variant] = {
        runtime: [...new Set(loads.coldRuntimes)].join('/'),
        warmRuntime: [...new Set(loads.warmRuntimes)].join('/'),
        firstMs,
        secondMs,
        // The ratio of the medians, and each round's ratio in the JSON below.
        ratio: secondMs / firstMs,
        first: medianBreakdown(loads.coldBreakdowns),
        second: medianBreakdown(loads.warmBreakdowns),
      };
      console.log(JSON.stringify({ variant, cold: loads.cold, warm: loads.warm, ...(LATER > 0 ? { later: loads.later } : {}) }));
    }
  } finally {
    await server.stop();
  }
  console.log(`\nfirst and second visit, ${loopback.name}, medians of ${ROUNDS} (phases overlap; total = load + first prediction; long tasks: main thread, > 50 ms)\n`);
  for (const [variant, row] of Object.entries(rows)) {
    console.log(`${variant}: ${row.runtime} first, ${row.warmRuntime} second — ${row.firstMs.toFixed(0)} ms → ${row.secondMs.toFixed(0)} ms (${(row.ratio * 100).toFixed(0)}%, target ≤ 40%)`);
    console.log(`  ${'phase'.padEnd(15)} ${'first'.padStart(9)} ${'second'.padStart(9)}`);
    for (const phase of PHASES) {
      const unit = phase === 'long tasks' ? '' : ' ms';
      console.log(`  ${phase.padEnd(15)} ${`${row.first[phase]!.toFixed(0)}${unit}`.padStart(9)} ${`${row.second[phase]!.toFixed(0)}${unit}`.padStart(9)}`);
    }
  }
  console.log(JSON.stringify({ bench: 'modelship-warm-start', network: loopback.name, rounds: ROUNDS, rows }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
