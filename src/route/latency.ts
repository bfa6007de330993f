import type { Engine } from '../engine.js';
import type { Manifest } from '../manifest/types.js';
import { decodeGoldenInputs } from '../plan/golden.js';

/** Long enough to see a throttled or thermally limited CPU, which a few quick runs can miss. */
const WINDOW_MS = 250;
const MAX_RUNS = 200;

/**
 * Mean wall time of warm batch-1 runs of the first golden vector over a short window: what a
 * predict() costs here, sustained. Only measured when the app sets a latency budget.
 */
export async function measureLocalLatency(engine: Engine, manifest: Manifest): Promise<number> {
  const input = manifest.inputs[0]!;
  const size = manifest.preprocessing.width * manifest.preprocessing.height;
  const sample = decodeGoldenInputs(manifest).subarray(0, size);
  const dims = [1, ...input.shape.slice(1)];
  const run = () => engine.run({ [input.name]: { data: sample.slice(), dims } });
  await run();
  const started = performance.now();
  let runs = 0;
  while (runs < MAX_RUNS && performance.now() - started < WINDOW_MS) {
    await run();
    runs++;
  }
  return (performance.now() - started) / runs;
}
