import type { Engine } from '../engine.js';
import type { Manifest } from '../manifest/types.js';
import { decodeGoldenInputs } from '../plan/golden.js';

const RUNS = 7;

/** Median wall time of warm batch-1 runs of the first golden vector: what one predict() will cost here. */
export async function measureLocalLatency(engine: Engine, manifest: Manifest): Promise<number> {
  const input = manifest.inputs[0]!;
  const size = manifest.preprocessing.width * manifest.preprocessing.height;
  const sample = decodeGoldenInputs(manifest).subarray(0, size);
  const dims = [1, ...input.shape.slice(1)];
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const started = performance.now();
    await engine.run({ [input.name]: { data: sample.slice(), dims } });
    if (i > 0) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}
