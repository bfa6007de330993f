// What monitoring costs per predict(): the same model loaded twice in one page, once with
// `monitoring: false` (plain softmax, nothing computed or counted) and once with everything on
// (features, calibrated scores, abstain, drift window, counters, reports to the server every
// second). Calls alternate one by one, so machine noise hits both alike. Runs in the page.
type Lib = typeof import('../src/index.js');

//
// `freshWorkers`: both models are loaded anew before every block. On a VM each worker thread keeps
// the latency of where the scheduler put it (waking an idle vCPU costs 100–300 µs) for seconds at a
// time, so two long-lived workers differ by far more than monitoring costs, in whichever direction
// they happened to start; new workers per block make each block's ratio an independent draw.
// `control`: both models with monitoring off (an A/A run): what the bench reads when nothing differs.
export async function compareMonitoring(args: { manifest: string; iterations: number; blocks: number; reports?: boolean; worker?: boolean; freshWorkers?: boolean; control?: boolean }) {
  const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const common = { wasmPaths: '/wasm/', variant: 'fp32', cache: 'memory', worker: args.worker ?? true } as const;
  // Real digits (the manifest's golden inputs), so the abstain and drift paths see what they would in use.
  const manifest = await (await fetch(args.manifest)).json();
  const digits: Float32Array[] = manifest.golden.map((g: { inputUint8: string }) => Float32Array.from(atob(g.inputUint8), (c) => c.charCodeAt(0) / 255));
  let off: Awaited<ReturnType<Lib['loadModel']>> | undefined;
  let on: typeof off;
  const load = async (warmUp: number): Promise<void> => {
    await Promise.all([off?.dispose(), on?.dispose()]);
    off = await loadModel(args.manifest, { ...common, monitoring: false });
    const monitoring = args.control ? false : args.reports === false ? {} : { endpoint: '/monitoring/reports', intervalMs: 1000 };
    on = await loadModel(args.manifest, { ...common, monitoring });
    // Long enough for both instances' code to be optimised (and the drift window to fill): the first calls run slower on both sides unequally.
    for (let i = 0; i < warmUp; i++) {
      await off.predict(digits[i % digits.length]!);
      await on.predict(digits[i % digits.length]!);
    }
  };
  await load(400);
  const blocks: { offP50: number; onP50: number; ratio: number }[] = [];
  // Every call of every block: the pooled p50s weigh each block's latency mode by how often it occurred on each side.
  const allOff: number[] = [];
  const allOn: number[] = [];
  for (let b = 0; b < args.blocks; b++) {
    if (args.freshWorkers && b > 0) await load(250);
    const offTimes: number[] = [];
    const onTimes: number[] = [];
    for (let i = 0; i < args.iterations; i++) {
      const input = digits[i % digits.length]!;
      // Which side goes first alternates, so neither always runs on a warmer cache.
      const order = i % 2 === 0 ? ([off!, offTimes, on!, onTimes] as const) : ([on!, onTimes, off!, offTimes] as const);
      let t = performance.now();
      await order[0].predict(input);
      order[1].push(performance.now() - t);
      t = performance.now();
      await order[2].predict(input);
      order[3].push(performance.now() - t);
    }
    allOff.push(...offTimes);
    allOn.push(...onTimes);
    const offP50 = median(offTimes);
    const onP50 = median(onTimes);
    blocks.push({ offP50, onP50, ratio: onP50 / offP50 });
  }
  const snapshot = on!.monitoring();
  await Promise.all([off!.dispose(), on!.dispose()]);
  return { blocks, medianRatio: median(blocks.map((b) => b.ratio)), pooledRatio: median(allOn) / median(allOff), reportsSent: snapshot.reports.sent, predictions: snapshot.versions[0]?.predictions ?? 0 };
}
