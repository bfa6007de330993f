// `node --import tsx bench/monitoring-cost.ts`: only the monitoring part of `npm run bench`
// (monitoring off vs on, alternating calls in one page), for iterating on its cost. BENCH_REPORTS=0
// turns monitoring on without an endpoint (no reports, no outbox), to separate the reporter's share.
// BENCH_WORKER=0 runs both models in the page's thread (`worker: false`): no thread scheduling, so
// block p50s agree to a few µs and the difference is all of monitoring's work, none of it overlapped
// with the runtime. It prints the median of the blocks' ratios and the ratio of the pooled p50s.
// BENCH_FRESH=1 loads both models anew before every block (new workers: see bench/monitoring.ts);
// BENCH_CONTROL=1 turns monitoring off on both sides (an A/A run: the bench's own bias and noise).
import { freshProfile, startReferenceServer } from './browser.js';
import { compareMonitoring } from './monitoring.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const server = await startReferenceServer(Number(process.env['BENCH_PORT'] ?? 8393), ['--coop-coep']);
try {
  const profile = await freshProfile(server.url);
  const page = await profile.context.newPage();
  await page.goto('/empty.html');
  const result = await page.evaluate(compareMonitoring, { manifest: '/models/mnist/manifest.json', iterations: 600, blocks: ROUNDS, reports: process.env['BENCH_REPORTS'] !== '0', worker: process.env['BENCH_WORKER'] !== '0', freshWorkers: process.env['BENCH_FRESH'] === '1', control: process.env['BENCH_CONTROL'] === '1' });
  await profile.close();
  for (const block of result.blocks) console.log(`off ${block.offP50.toFixed(3)} ms  on ${block.onP50.toFixed(3)} ms  ${((block.ratio - 1) * 100).toFixed(1)}%`);
  console.log(`median of blocks ${((result.medianRatio - 1) * 100).toFixed(1)}%, pooled p50s ${((result.pooledRatio - 1) * 100).toFixed(1)}%`);
  console.log(JSON.stringify({ bench: 'modelship-monitoring-cost', ...result }));
} finally {
  await server.stop();
}
