import type { Engine } from '../engine.js';
import { ModelshipError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';
import { decodeGoldenInputs } from '../plan/golden.js';

export interface EngineBenchmark {
  medianMs: number;
  runs: number;
}

const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

/**
 * Median wall time of `runs` warm batch-1 runs of the first golden input. Two untimed runs first:
 * the first run of a WebGPU session compiles its shaders (seconds on a software adapter).
 */
export async function benchmarkEngine(engine: Engine, manifest: Manifest, runs = 10): Promise<EngineBenchmark> {
  const input = manifest.inputs[0];
  if (!input || manifest.golden.length === 0) {
    throw new ModelshipError('MANIFEST_INVALID', 'Benchmarking needs an input and at least one golden vector', { details: { field: 'golden' } });
  }
  const size = manifest.preprocessing.width * manifest.preprocessing.height;
  const row = decodeGoldenInputs(manifest).slice(0, size);
  const dims = [1, ...input.shape.slice(1)];
  // Each run gets its own copy: a worker engine transfers (detaches) the buffer it is given.
  const feeds = () => ({ [input.name]: { data: row.slice(), dims } });
  for (let i = 0; i < 2; i++) await engine.run(feeds());
  const times: number[] = [];
  for (let i = 0; i < Math.max(1, runs); i++) {
    const started = now();
    await engine.run(feeds());
    times.push(now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[times.length >> 1]!, runs: times.length };
}
