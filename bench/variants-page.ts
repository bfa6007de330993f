// Runs inside the benchmark page (serialised by Playwright: no closures over Node values).
type Lib = typeof import('../src/index.js');

export interface RowArgs {
  manifest: string;
  runtime: string;
  variant: string;
  batch1Runs: number;
  batch64Runs: number;
  /** Every `stride`-th held-out digit is classified (1: all of them). */
  stride: number;
  numThreads: number;
}

export interface RowResult {
  runtime?: string;
  runtimeVersion?: string;
  loadMs?: number;
  firstRunMs?: number;
  p50?: number;
  p95?: number;
  batch64Ms?: number;
  /** Predicted labels of held-out digits 0, stride, 2·stride, … */
  predicted?: number[];
  error?: string;
}

/** Load to ready, first run, warm batch-1 percentiles, batch-64 median, then the held-out set through predictBatch. */
export async function benchRow(args: RowArgs): Promise<RowResult> {
  const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
  const percentile = (values: number[], p: number): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  };
  const [images, labels] = await Promise.all([
    fetch('/bench-heldout/images.f32').then(async (r) => new Float32Array(await r.arrayBuffer())),
    fetch('/bench-heldout/labels.u8').then(async (r) => new Uint8Array(await r.arrayBuffer())),
  ]);
  const digit = (i: number): Float32Array => images.slice(i * 784, (i + 1) * 784);
  try {
    const started = performance.now();
    const model = await loadModel(args.manifest, {
      variant: args.variant,
      backends: [args.runtime as never],
      wasmPaths: '/wasm/',
      cache: 'memory',
      numThreads: args.numThreads,
      loadTimeoutMs: 120_000,
      runTimeoutMs: 120_000,
    });
    const loadMs = performance.now() - started;
    let t = performance.now();
    await model.predict(digit(0));
    const firstRunMs = performance.now() - t;
    const batch1: number[] = [];
    for (let i = 0; i < args.batch1Runs; i++) {
      const input = digit(i % labels.length);
      t = performance.now();
      await model.predict(input);
      batch1.push(performance.now() - t);
    }
    const batchInputs = Array.from({ length: 64 }, (_, i) => digit(i));
    await model.predictBatch(batchInputs);
    const batch64: number[] = [];
    for (let i = 0; i < args.batch64Runs; i++) {
      t = performance.now();
      await model.predictBatch(batchInputs);
      batch64.push(performance.now() - t);
    }
    const picked = Array.from({ length: Math.ceil(labels.length / args.stride) }, (_, i) => i * args.stride);
    const predicted: number[] = [];
    for (let start = 0; start < picked.length; start += 64) {
      const predictions = await model.predictBatch(picked.slice(start, start + 64).map(digit));
      predicted.push(...predictions.map((p) => p.index));
    }
    const info = model.info();
    await model.dispose();
    return {
      runtime: info.runtime,
      runtimeVersion: info.runtimeVersion,
      loadMs,
      firstRunMs,
      p50: percentile(batch1, 50),
      p95: percentile(batch1, 95),
      batch64Ms: percentile(batch64, 50),
      predicted,
    };
  } catch (error) {
    return { error: `${(error as { code?: string }).code ?? 'Error'}: ${(error as Error).message}` };
  }
}
