// `npm run bench:first-visit`: a fresh profile's first prediction on the emulated 40 Mbit/s / 20 ms
// link, `auto` (start cost decides: src/plan/start-cost.ts) side by side with `fp32` (onnx-wasm, what
// `auto` chose before), in one run. Prints a table and one JSON line. Target (issue 15): ≤ 2.0 s, ≤ 4 MB.
import { startReferenceServer } from './browser.js';
import { NETWORKS, measureLoads } from './load.js';

const PORT = Number(process.env['BENCH_PORT'] ?? 8393);
const MANIFEST = '/models/mnist/manifest.json';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function main(): Promise<void> {
  const network = NETWORKS.find((profile) => profile.downBytesPerSecond !== undefined)!;
  // The same server as `npm run bench` (cross-origin isolated), so the numbers compare.
  const server = await startReferenceServer(PORT, ['--coop-coep', '--no-grpc']);
  const rows: Record<string, { runtime: string; coldMs: number; warmMs: number; coldMB: number }> = {};
  try {
    for (const variant of ['auto', 'fp32']) {
      const loads = await measureLoads(server.url, MANIFEST, network, ROUNDS, variant);
      rows[variant] = {
        runtime: [...new Set(loads.coldRuntimes)].join('/'),
        coldMs: median(loads.cold),
        warmMs: median(loads.warm),
        coldMB: median(loads.coldBytes) / 1e6,
      };
    }
  } finally {
    await server.stop();
  }
  console.log(`\nfirst visit, ${network.name}, fresh profile, medians of ${ROUNDS}\n`);
  console.log('variant  runtime      first prediction  warm reload   bytes on the wire');
  for (const [variant, row] of Object.entries(rows)) {
    console.log(
      `${variant.padEnd(8)} ${row.runtime.padEnd(12)} ${`${row.coldMs.toFixed(0)} ms`.padStart(16)} ${`${row.warmMs.toFixed(0)} ms`.padStart(12)} ${`${row.coldMB.toFixed(2)} MB`.padStart(19)}`,
    );
  }
  const ratio = rows['auto']!.coldMs / rows['fp32']!.coldMs;
  console.log(`\nauto / fp32 first visit: ${ratio.toFixed(2)}× (target: auto ≤ 2000 ms, ≤ 4 MB)`);
  console.log(JSON.stringify({ bench: 'modelship-first-visit', network: network.name, rounds: ROUNDS, rows, autoOverFp32: ratio }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
