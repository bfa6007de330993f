import type { Engine } from '../engine.js';
import { ModelshipError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';
import { decodeGoldenInputs } from '../proof/golden.js';

export interface EngineBenchmark {
  /** Sustained wall time of one batch-1 run: the window's time divided by its runs. */
  meanMs: number;
  runs: number;
}

export interface BenchmarkWindow {
  /** Timed runs stop after this long: a throttled or thermally limited CPU shows only after a moment. */
  windowMs: number;
  maxRuns: number;
}

export const DEFAULT_WINDOW: BenchmarkWindow = { windowMs: 250, maxRuns: 200 };

const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

/**
 * Warm batch-1 runs of the first golden input over a short window. Two untimed runs first: the
 * first run of a WebGPU session compiles its shaders (seconds on a software adapter). A mean over
 * a window, not the median of a few runs: DevTools CPU throttling, like a hot phone, slows a
 * device only after a moment, and a handful of quick runs measured right after load miss it.
 */
export async function benchmarkEngine(engine: Engine, manifest: Manifest, window: BenchmarkWindow = DEFAULT_WINDOW): Promise<EngineBenchmark> {
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
  const started = now();
  let runs = 0;
  do {
    await engine.run(feeds());
    runs++;
  } while (runs < window.maxRuns && now() - started < window.windowMs);
  return { meanMs: (now() - started) / runs, runs };
}
