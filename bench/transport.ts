// `npm run bench:transport` (after `npm run build`): what the message hop of a batch-1 run costs. The
// minimal worker (bench/minimal-worker.ts, postMessage) and the same worker answering through shared
// memory (bench/minimal-shared-worker.ts), interleaved call by call in one cross-origin isolated page,
// in blocks on new workers (as bench/run.ts does; a worker keeps the latency of where it was placed).
// The difference is what modelship saves per call on such a page by sending runs through shared memory
// (src/worker/shared-slot.ts). Prints a table and one JSON line.
import { freshProfile, startReferenceServer } from './browser.js';

const PORT = Number(process.env['BENCH_PORT'] ?? 8399);
const RUNS = Number(process.env['BENCH_TRANSPORT_RUNS'] ?? 3);

async function compare(args: { blocks: number; calls: number }): Promise<{ message: number; shared: number; sink: number }> {
  if (!crossOriginIsolated) throw new Error('the page is not cross-origin isolated: no SharedArrayBuffer');
  const bytes = new Uint8Array(await (await fetch('/models/mnist/mnist-fp32.onnx')).arrayBuffer());
  const inputs = Array.from({ length: 64 }, () => Float32Array.from({ length: 784 }, () => Math.random()));
  const loaded = (worker: Worker): Promise<unknown> => new Promise((resolve) => worker.addEventListener('message', resolve, { once: true }));
  type Side = { run: (i: number) => Promise<number>; end: () => void };
  const byMessage = async (): Promise<Side> => {
    const worker = new Worker('/dist/bench/minimal-worker.js', { type: 'module' });
    const copy = bytes.slice();
    worker.postMessage({ type: 'load', bytes: copy, wasmPaths: '/wasm/' }, [copy.buffer]);
    await loaded(worker);
    return {
      run: async (i) => {
        const data = inputs[i % 64]!.slice();
        worker.postMessage({ type: 'run', data, dims: [1, 1, 28, 28] }, [data.buffer]);
        return ((await loaded(worker)) as MessageEvent<{ data: Float32Array }>).data.data[0]!;
      },
      end: () => worker.terminate(),
    };
  };
  const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number) => { async: boolean; value: unknown } }).waitAsync;
  const bySharedMemory = async (): Promise<Side> => {
    const worker = new Worker('/dist/bench/minimal-shared-worker.js', { type: 'module' });
    const shared = new SharedArrayBuffer(8 + (784 + 10) * 4);
    const counts = new Int32Array(shared, 0, 2);
    const input = new Float32Array(shared, 8, 784);
    const output = new Float32Array(shared, 8 + 784 * 4, 10);
    const copy = bytes.slice();
    worker.postMessage({ bytes: copy, wasmPaths: new URL('/wasm/', location.href).href, shared }, [copy.buffer]);
    await loaded(worker);
    let count = 0;
    return {
      run: async (i) => {
        input.set(inputs[i % 64]!);
        count++;
        Atomics.store(counts, 0, count);
        Atomics.notify(counts, 0);
        while (Atomics.load(counts, 1) !== count) {
          const waiting = waitAsync(counts, 1, count - 1);
          if (waiting.async) await waiting.value;
        }
        return output[0]!;
      },
      end: () => {
        Atomics.store(counts, 0, -1);
        Atomics.notify(counts, 0);
        worker.terminate();
      },
    };
  };
  const times: Record<'message' | 'shared', number[]> = { message: [], shared: [] };
  let sink = 0;
  for (let block = 0; block < args.blocks; block++) {
    const sides = { message: await byMessage(), shared: await bySharedMemory() };
    for (let i = 0; i < 50; i++) for (const side of Object.values(sides)) sink += await side.run(i);
    for (let i = 0; i < args.calls; i++) {
      for (const name of i % 2 ? (['message', 'shared'] as const) : (['shared', 'message'] as const)) {
        const started = performance.now();
        sink += await sides[name].run(i);
        times[name].push(performance.now() - started);
      }
    }
    for (const side of Object.values(sides)) side.end();
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  return { message: median(times.message), shared: median(times.shared), sink: Number.isFinite(sink) ? 1 : 0 };
}

const server = await startReferenceServer(PORT, ['--coop-coep', '--no-grpc']);
const profile = await freshProfile(server.url);
const runs: { messageMs: number; sharedMs: number }[] = [];
try {
  const page = await profile.context.newPage();
  await page.goto('/empty.html');
  for (let run = 0; run < RUNS; run++) {
    const result = await page.evaluate(compare, { blocks: 10, calls: 200 });
    runs.push({ messageMs: result.message, sharedMs: result.shared });
  }
} finally {
  await profile.close();
  await server.stop();
}
console.log('\nminimal worker, batch-1 MNIST round trip p50: postMessage vs shared memory (10 blocks × 200 calls a side per run)\n');
console.log(`${'run'.padEnd(5)} ${'message'.padStart(9)} ${'shared'.padStart(9)} ${'saved'.padStart(9)} ${'ratio'.padStart(7)}`);
runs.forEach(({ messageMs, sharedMs }, index) => {
  const cells = [`${messageMs.toFixed(3)} ms`, `${sharedMs.toFixed(3)} ms`, `${((messageMs - sharedMs) * 1000).toFixed(0)} µs`].map((cell) => cell.padStart(9));
  console.log(`${String(index + 1).padEnd(5)} ${cells.join(' ')} ${`${(sharedMs / messageMs).toFixed(2)}×`.padStart(7)}`);
});
console.log(`\n${JSON.stringify({ bench: 'modelship-transport', runs })}`);
