// explain() against predict() on the same model, same page, interleaved call by call (so machine
// noise hits both alike): the target is explain ≤ 20× one predict on onnx-wasm.
// Runs standalone (`node --import tsx bench/explain.ts`, after `npm run build`) or from bench/run.ts.
import { pathToFileURL } from 'node:url';
import { freshProfile, startReferenceServer } from './browser.js';
import { loadHeldOut } from './heldout.js';

type Lib = typeof import('../src/index.js');

export interface ExplainArm {
  stride: number;
  explainP50Ms: number;
  /** explain p50 / predict p50; target ≤ 20. */
  ratio: number;
  /** Median occluded copies per run (patches over blank background are not run). */
  occlusions: number;
}

export interface ExplainBench {
  rounds: number;
  predictP50Ms: number;
  arms: ExplainArm[];
  runtime: string;
}

const STRIDES = [3, 2];

/** Runs inside the page (serialised by Playwright: no closures over Node values). */
async function compareExplain(args: { manifest: string; digits: number[][]; rounds: number; strides: number[] }) {
  const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const model = await loadModel(args.manifest, { wasmPaths: '/wasm/', variant: 'fp32', backends: ['onnx-wasm'], cache: 'memory' });
  const inputs = args.digits.map((digit) => Float32Array.from(digit));
  for (const input of inputs.slice(0, 3)) for (const stride of args.strides) await Promise.all([model.predict(input), model.explain(input, { stride })]);
  const predicts: number[] = [];
  const explains = args.strides.map(() => [] as number[]);
  const occlusions = args.strides.map(() => [] as number[]);
  for (let i = 0; i < args.rounds; i++) {
    const input = inputs[i % inputs.length]!;
    let t = performance.now();
    await model.predict(input);
    predicts.push(performance.now() - t);
    for (const [arm, stride] of args.strides.entries()) {
      t = performance.now();
      occlusions[arm]!.push((await model.explain(input, { stride })).occlusions);
      explains[arm]!.push(performance.now() - t);
    }
  }
  const runtime = model.info().runtime;
  await model.dispose();
  const predictP50Ms = median(predicts);
  const arms = args.strides.map((stride, arm) => ({
    stride,
    explainP50Ms: median(explains[arm]!),
    ratio: median(explains[arm]!) / predictP50Ms,
    occlusions: median(occlusions[arm]!),
  }));
  return { predictP50Ms, arms, runtime };
}

export async function benchExplain(serverUrl: string, rounds = 40): Promise<ExplainBench> {
  const heldOut = loadHeldOut();
  const digits = Array.from({ length: 10 }, (_, i) => Array.from(heldOut.images.subarray(i * 200 * 784, (i * 200 + 1) * 784)));
  const profile = await freshProfile(serverUrl);
  try {
    const page = await profile.context.newPage();
    await page.goto('/empty.html');
    const result = await page.evaluate(compareExplain, { manifest: '/models/mnist/manifest.json', digits, rounds, strides: STRIDES });
    return { rounds, ...result };
  } finally {
    await profile.close();
  }
}

export function explainRows(result: ExplainBench): [string, string, string][] {
  const ms = (value: number): string => `${value.toFixed(value < 10 ? 3 : 1)} ms`;
  return [
    ...result.arms.map((arm): [string, string, string] => [
      `explain() p50, 6×6 stride ${arm.stride}${arm.stride === 3 ? ' (default)' : ''}, ~${arm.occlusions} copies in one run`,
      ms(arm.explainP50Ms),
      `${arm.ratio.toFixed(1)}× predict() (target ≤ 20×), ${result.runtime}`,
    ]),
    ['predict() p50, same page, interleaved', ms(result.predictP50Ms), `median of ${result.rounds}`],
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env['BENCH_EXPLAIN_PORT'] ?? 8395);
  startReferenceServer(port, ['--coop-coep', '--no-grpc'])
    .then(async (server) => {
      try {
        const result = await benchExplain(server.url);
        for (const [name, value, note] of explainRows(result)) console.log(`${name.padEnd(58)}  ${value.padStart(12)}  ${note}`);
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
