// Functions that run inside the benchmark page (serialised by Playwright: no closures over Node values).
type Lib = typeof import('../src/index.js');

type LoadTimings = ReturnType<Awaited<ReturnType<Lib['loadModel']>>['info']>['timings'];

export async function timeLoad(args: {
  manifest: string;
  variant: string;
}): Promise<{ loadMs: number; firstRunMs: number; cache: string; runtime: string; timings: LoadTimings; longTasks: { count: number; maxMs: number; totalMs: number } }> {
  const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
  // Main-thread tasks over 50 ms while loading and predicting (the library's chunks parse here; the runtime runs in its worker).
  const long: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) long.push(entry.duration);
  });
  observer.observe({ type: 'longtask' });
  const started = performance.now();
  const model = await loadModel(args.manifest, { wasmPaths: '/wasm/', variant: args.variant });
  const loaded = performance.now();
  await model.predict(new Float32Array(784));
  const firstRunMs = performance.now() - loaded;
  const cache = model.info().cache.status;
  const { runtime, timings } = model.info();
  // Long-task entries are delivered after the task; one more turn of the event loop collects the last.
  await new Promise((resolve) => setTimeout(resolve, 0));
  observer.disconnect();
  await model.dispose();
  const longTasks = { count: long.length, maxMs: Math.max(0, ...long), totalMs: long.reduce((a, b) => a + b, 0) };
  return { loadMs: loaded - started, firstRunMs, cache, runtime, timings, longTasks };
}

/**
 * Interleaves modelship and the minimal worker call by call, so machine noise hits both alike. With
 * `blocks`, both sides get new workers before every block (the calls are pooled): on this VM a
 * long-lived worker keeps the latency of where the scheduler put it for seconds, which can favour
 * either side by more than the difference being measured. `control` is an A/A run of the same loop:
 * the minimal worker in modelship's place (bench/monitoring.ts has one for monitoring off/on).
 */
export async function comparePredict(args: { manifest: string; modelUrl: string; iterations: number; batch: number; blocks?: number }) {
  const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
  const percentile = (values: number[], p: number): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  };
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const blocks = args.blocks ?? 1;
  const bytes = new Uint8Array(await (await fetch(args.modelUrl)).arrayBuffer());
  let model: Awaited<ReturnType<Lib['loadModel']>> | undefined;
  let worker: Worker | undefined;
  const reply = (on = worker!): Promise<MessageEvent> => new Promise((resolve) => on.addEventListener('message', resolve, { once: true }));
  const minimalWorker = async (): Promise<Worker> => {
    const created = new Worker('/dist/bench/minimal-worker.js', { type: 'module' });
    const copy = bytes.slice();
    created.postMessage({ type: 'load', bytes: copy, wasmPaths: '/wasm/' }, [copy.buffer]);
    await reply(created);
    return created;
  };
  const start = async (): Promise<void> => {
    await model?.dispose();
    worker?.terminate();
    model = await loadModel(args.manifest, { wasmPaths: '/wasm/', variant: 'fp32', cache: 'memory' });
    worker = await minimalWorker();
    for (let i = 0; i < 20; i++) {
      await model.predict(sample());
      worker.postMessage({ type: 'run', data: sample(), dims: [1, 1, 28, 28] });
      await reply();
    }
  };
  const sample = (): Float32Array => Float32Array.from({ length: 784 }, () => Math.random());
  const ours: number[] = [];
  const theirs: number[] = [];
  const batchInputs = Array.from({ length: args.batch }, sample);
  // Main-thread tasks over 50 ms during the predict loops (both sides share the page; a count of 0 clears both).
  const long: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) long.push(entry.duration);
  });
  const batchTimes: number[] = [];
  const minimalBatchTimes: number[] = [];
  const controlStandIn: number[] = [];
  const controlMinimal: number[] = [];
  for (let block = 0; block < blocks; block++) {
    // New workers are not part of what is measured: the observer watches the loops only.
    await start();
    observer.observe({ type: 'longtask' });
    // One call of each side in turn, the side that goes first swapped every pair (ABBA), so neither side is
    // always the one called after the page's own work between pairs.
    const oursCall = async (): Promise<void> => {
      const input = sample(); // made before the clock starts, for both sides
      const t = performance.now();
      await model!.predict(input);
      ours.push(performance.now() - t);
    };
    const minimalCall = (on: Worker, into: number[]) => async (): Promise<void> => {
      const data = sample();
      const t = performance.now();
      on.postMessage({ type: 'run', data, dims: [1, 1, 28, 28] }, [data.buffer]);
      await reply(on);
      into.push(performance.now() - t);
    };
    const theirsCall = minimalCall(worker!, theirs);
    for (let i = 0; i < Math.ceil(args.iterations / blocks); i++) {
      for (const call of i % 2 === 0 ? [oursCall, theirsCall] : [theirsCall, oursCall]) await call();
    }
    for (let i = 0; i < Math.ceil(30 / blocks); i++) {
      let t = performance.now();
      await model!.predictBatch(batchInputs);
      batchTimes.push(performance.now() - t);
      // The minimal side pays for packing the batch too, as an app would.
      t = performance.now();
      const data = new Float32Array(args.batch * 784);
      batchInputs.forEach((input, row) => data.set(input, row * 784));
      worker!.postMessage({ type: 'run', data, dims: [args.batch, 1, 28, 28] }, [data.buffer]);
      await reply();
      minimalBatchTimes.push(performance.now() - t);
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    observer.disconnect();
    // The control, after the measured loops so that they run with two workers as before: a second minimal
    // worker in modelship's place, the same ABBA loop. It reads 1 when taking turns between two workers
    // favours neither; on this VM a worker keeps the latency of where it was placed, so it often does not.
    const control = await minimalWorker();
    for (let i = 0; i < 20; i++) for (const on of [control, worker!]) await minimalCall(on, [])();
    const controlCalls = [minimalCall(control, controlStandIn), minimalCall(worker!, controlMinimal)];
    for (let i = 0; i < Math.ceil(args.iterations / blocks / 2); i++) {
      for (const call of i % 2 === 0 ? controlCalls : [...controlCalls].reverse()) await call();
    }
    control.terminate();
  }
  worker!.terminate();
  await model!.dispose();
  return {
    longTasks: { count: long.length, maxMs: Math.max(0, ...long) },
    // Means too: on a page that is not cross-origin isolated the clock has 100 µs steps, and a median snaps to them
    // where a mean over calls started at every phase of a step does not.
    modelship: { p50: percentile(ours, 50), p95: percentile(ours, 95), mean: mean(ours), batchP50: percentile(batchTimes, 50) },
    minimal: { p50: percentile(theirs, 50), p95: percentile(theirs, 95), mean: mean(theirs), batchP50: percentile(minimalBatchTimes, 50) },
    control: { standInP50: percentile(controlStandIn, 50), minimalP50: percentile(controlMinimal, 50) },
  };
}
