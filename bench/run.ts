// `npm run bench`: a program, not a test. Side by side in one headless Chromium run, so the
// ratios hold on a noisy machine. Prints a table and one JSON line.
import { freshProfile, startReferenceServer } from './browser.js';
import { benchExplain, explainRows } from './explain.js';
import { NETWORKS, measureLoads } from './load.js';
import { compareMonitoring } from './monitoring.js';
import { comparePredict } from './page-scripts.js';
import { benchReactNative, reactNativeTable } from './react-native.js';
import { benchVariants } from './variants.js';

const PORT = Number(process.env['BENCH_PORT'] ?? 8392);
const MANIFEST = '/models/mnist/manifest.json';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
/**
 * `BENCH_ONLY=predict`: only the interleaved predict()/predictBatch comparison with the minimal worker (a minute instead of many);
 * `BENCH_ONLY=monitoring`: only the monitoring off/on comparison.
 */
const ONLY = process.env['BENCH_ONLY'];
const ONLY_PREDICT = ONLY === 'predict';
const ONLY_MONITORING = ONLY === 'monitoring';
/**
 * Blocks of the predict comparison, each on new workers for both sides (1: the same two workers throughout). 20 by
 * default: the A/A control row reads 0.99–1.03× with 20 and 1.06–1.10× with 1, where one pair of long-lived
 * workers keeps whatever latency its placement gave it.
 */
const PREDICT_BLOCKS = Number(process.env['BENCH_PREDICT_BLOCKS'] ?? 20);
/** Blocks of the monitoring comparison, each on two new workers (about a second each). */
const MONITORING_BLOCKS = Number(process.env['BENCH_MONITORING_BLOCKS'] ?? 40);

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const ms = (value: number): string => `${value.toFixed(value < 10 ? 3 : 0)} ms`;

async function main(): Promise<void> {
  if (ONLY !== undefined && !ONLY_PREDICT && !ONLY_MONITORING) throw new Error(`BENCH_ONLY=${ONLY}: expected predict or monitoring`);
  // Cross-origin isolation gives the page 5 µs timers instead of 100 µs ones; both sides run one thread.
  const server = await startReferenceServer(PORT, ['--coop-coep', '--no-grpc']);
  const rows: [string, string, string][] = [];
  const json: Record<string, unknown> = { bench: 'modelship-local', rounds: ROUNDS };
  let bridge: Awaited<ReturnType<typeof benchReactNative>> = [];
  try {
    for (const network of ONLY ? [] : NETWORKS) {
      const loads = await measureLoads(server.url, MANIFEST, network, ROUNDS);
      const cold = median(loads.cold);
      const warm = median(loads.warm);
      rows.push([`cold load → first prediction, ${network.name}`, ms(cold), `median of ${ROUNDS}`]);
      rows.push([`warm load → first prediction, ${network.name}`, ms(warm), `${((warm / cold) * 100).toFixed(0)}% of cold (npm run bench:warm-start times each phase of it)`]);
      rows.push([`model requests on warm loads, ${network.name}`, String(loads.warmModelRequests), 'target 0']);
      json[network.name] = { coldMs: cold, warmMs: warm, warmOverCold: warm / cold, warmModelRequests: loads.warmModelRequests };
    }
    if (!ONLY_MONITORING) {
      await predictRows(server.url, rows, json, 'isolated');
      // The same comparison on a page without COOP/COEP, where runs cannot share memory and go as messages.
      const plain = await startReferenceServer(PORT + 1, ['--no-grpc']);
      try {
        await predictRows(plain.url, rows, json, 'not isolated');
      } finally {
        await plain.stop();
      }
    }
    if (ONLY_PREDICT) return await report(rows, json, undefined);
    const monitoringProfile = await freshProfile(server.url);
    const monitoringPage = await monitoringProfile.context.newPage();
    await monitoringPage.goto('/empty.html');
    // New workers for every block: two long-lived workers differ by more than monitoring costs (bench/monitoring.ts).
    const monitoring = await monitoringPage.evaluate(compareMonitoring, { manifest: MANIFEST, iterations: 300, blocks: MONITORING_BLOCKS, freshWorkers: true });
    await monitoringProfile.close();
    const offP50 = monitoring.blocks.map((b) => b.offP50).sort((a, b) => a - b)[monitoring.blocks.length >> 1]!;
    const onP50 = monitoring.blocks.map((b) => b.onP50).sort((a, b) => a - b)[monitoring.blocks.length >> 1]!;
    rows.push(['predict() p50, monitoring off / on', `${ms(offP50)} / ${ms(onP50)}`, `${((monitoring.medianRatio - 1) * 100).toFixed(1)}% (median of ${MONITORING_BLOCKS} blocks, new workers each; target ≤ 3%)`]);
    Object.assign(json, { monitoring });
    if (ONLY_MONITORING) return await report(rows, json, undefined);
    const explained = await benchExplain(server.url);
    rows.push(...explainRows(explained));
    json['explain'] = explained;
    bridge = await benchReactNative(server.url);
  } finally {
    await server.stop();
  }
  await report(rows, json, bridge);
}

/**
 * predict() and predictBatch(64) against the minimal worker, interleaved in one page. On the cross-origin
 * isolated page modelship's runs travel through shared memory (src/worker/shared-slot.ts) and timers have
 * 5 µs resolution; on the other, runs are messages, as the minimal worker's are, and timers 100 µs (with
 * jitter), which the medians of 1,000 calls a side average over.
 */
async function predictRows(baseUrl: string, rows: [string, string, string][], json: Record<string, unknown>, page: 'isolated' | 'not isolated'): Promise<void> {
  const profile = await freshProfile(baseUrl);
  const tab = await profile.context.newPage();
  await tab.goto('/empty.html');
  const compare = await tab.evaluate(comparePredict, { manifest: MANIFEST, modelUrl: '/models/mnist/mnist-fp32.onnx', iterations: 1000, batch: 64, blocks: PREDICT_BLOCKS });
  await profile.close();
  const where = page === 'isolated' ? 'isolated page (shared memory)' : 'page not isolated (messages)';
  const ratio = compare.modelship.p50 / compare.minimal.p50;
  const meanRatio = compare.modelship.mean / compare.minimal.mean;
  const clock = page === 'isolated' ? '' : `; means ${meanRatio.toFixed(2)}× (this page's clock has 100 µs steps)`;
  rows.push([`predict() p50 / p95, modelship, ${where}`, `${ms(compare.modelship.p50)} / ${ms(compare.modelship.p95)}`, `${ratio.toFixed(2)}× minimal worker (target ≤ 1.1×)${clock}`]);
  rows.push([`predict() p50 / p95, minimal worker, ${where}`, `${ms(compare.minimal.p50)} / ${ms(compare.minimal.p95)}`, 'hand-written worker + session.run']);
  const control = compare.control.standInP50 / compare.control.minimalP50;
  rows.push([`A/A control: minimal worker in both places, ${where}`, `${ms(compare.control.standInP50)} / ${ms(compare.control.minimalP50)}`, `${control.toFixed(2)}× (the loop's own bias; 1 is none)`]);
  const ours = 64_000 / compare.modelship.batchP50;
  const theirs = 64_000 / compare.minimal.batchP50;
  rows.push([`predictBatch(64), modelship, ${where}`, `${ours.toFixed(0)} inf/s`, `${(ours / theirs).toFixed(2)}× minimal worker (target ≥ 0.95×)`]);
  rows.push([`batch 64, minimal worker, ${where}`, `${theirs.toFixed(0)} inf/s`, '']);
  rows.push([`main-thread long tasks (> 50 ms) while predicting, ${where}`, String(compare.longTasks.count), `longest ${compare.longTasks.maxMs.toFixed(0)} ms (target 0)`]);
  const figures = { predict: compare, predictP50Ratio: ratio, predictMeanRatio: meanRatio, controlP50Ratio: control, batch64InferencesPerSecond: ours, minimalBatch64InferencesPerSecond: theirs };
  if (page === 'isolated') Object.assign(json, figures);
  else json['notIsolated'] = figures;
}

async function report(rows: [string, string, string][], json: Record<string, unknown>, bridge: Awaited<ReturnType<typeof benchReactNative>> | undefined): Promise<void> {
  const width = Math.max(...rows.map((row) => row[0].length));
  console.log('\nmodelship — headless Chromium, onnxruntime-web wasm (1 thread), fp32 MNIST CNN\n');
  for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(22)}  ${note}`);
  console.log(`\n${JSON.stringify(json)}`);
  if (!bridge) return;
  console.log(`\n${reactNativeTable(bridge)}\n\n${JSON.stringify({ bench: 'modelship-react-native', rows: bridge })}`);
  const variants = await benchVariants();
  console.log(`\n${variants.table}\n\n${JSON.stringify({ bench: 'modelship-variants', rows: variants.rows })}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
