// explain() against predict() on the same model, same page, interleaved call by call (so machine
// noise hits both alike): the target is explain ≤ 20× one predict on onnx-wasm.
// Runs standalone (`node --import tsx bench/explain.ts`, after `npm run build`) or from bench/run.ts.
import { pathToFileURL } from 'node:url';
import { freshProfile, startReferenceServer } from './browser.js';
import { loadHeldOut } from './heldout.js';

type Lib = typeof import('../src/index.js');

export interface ExplainBench {
  rounds: number;
  predictP50Ms: number;
  explainP50Ms: number;
  /** explain p50 / predict p50; target ≤ 20. */
  ratio: number;
  occlusions: number;
  runtime: string;
}

/** Runs inside the page (serialised by Playwright: no closures over Node values). */
async function compareExplain(args: { manifest: string; digits: number[][]; rounds: number }) {
  const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const model = await loadModel(args.manifest, { wasmPaths: '/wasm/', variant: 'fp32', backends: ['onnx-wasm'], cache: 'memory' });
  const inputs = args.digits.map((digit) => Float32Array.from(digit));
  for (const input of inputs.slice(0, 3)) await Promise.all([model.predict(input), model.explain(input)]);
  const predicts: number[] = [];
  const explains: number[] = [];
  let occlusions = 0;
  for (let i = 0; i < args.rounds; i++) {
    const input = inputs[i % inputs.length]!;
    let t = performance.now();
    await model.predict(input);
    predicts.push(performance.now() - t);
    t = performance.now();
    occlusions = (await model.explain(input)).occlusions;
    explains.push(performance.now() - t);
  }
  const runtime = model.info().runtime;
  await model.dispose();
  return { predictP50Ms: median(predicts), explainP50Ms: median(explains), occlusions, runtime };
}

export async function benchExplain(serverUrl: string, rounds = 40): Promise<ExplainBench> {
  const heldOut = loadHeldOut();
  const digits = Array.from({ length: 10 }, (_, i) => Array.from(heldOut.images.subarray(i * 200 * 784, (i * 200 + 1) * 784)));
  const profile = await freshProfile(serverUrl);
  try {
    const page = await profile.context.newPage();
    await page.goto('/empty.html');
    const result = await page.evaluate(compareExplain, { manifest: '/models/mnist/manifest.json', digits, rounds });
    return { rounds, ...result, ratio: result.explainP50Ms / result.predictP50Ms };
  } finally {
    await profile.close();
  }
}

export function explainRows(result: ExplainBench): [string, string, string][] {
  const ms = (value: number): string => `${value.toFixed(value < 10 ? 3 : 1)} ms`;
  return [
    [`explain() p50, ${result.occlusions} occlusions in one run`, ms(result.explainP50Ms), `${result.ratio.toFixed(1)}× predict() (target ≤ 20×), ${result.runtime}`],
    ['predict() p50, same page, interleaved', ms(result.predictP50Ms), `median of ${result.rounds}`],
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env['BENCH_EXPLAIN_PORT'] ?? 8395);
  startReferenceServer(port, ['--coop-coep'])
    .then(async (server) => {
      try {
        const result = await benchExplain(server.url);
        for (const [name, value, note] of explainRows(result)) console.log(`${name.padEnd(44)}  ${value.padStart(12)}  ${note}`);
        console.log(JSON.stringify({ bench: 'modelship-explain', ...result }));
      } finally {
        await server.stop();
      }
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
