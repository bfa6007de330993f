/** Where a load's time went, step by step; `info().timings` and the benchmark read it. */

export type LoadPhaseName =
  | 'manifest'
  | 'plan'
  | 'files'
  | 'worker'
  | 'runtime-import'
  | 'runtime-fetch'
  | 'compile'
  | 'session'
  | 'proof';

/** A step in epoch milliseconds (`performance.timeOrigin + now()`): the page's and the worker's clocks agree on it. */
export interface TimedPhase {
  name: LoadPhaseName;
  start: number;
  end: number;
  detail?: string;
}

export interface LoadPhase {
  name: LoadPhaseName;
  /** Milliseconds after `loadModel` was called. Steps overlap: the runtime starts while the files are read. */
  startMs: number;
  durationMs: number;
  /** E.g. `hit` for files read from the cache, `HTTP cache` for a runtime's wasm that was not downloaded. */
  detail?: string;
}

export interface LoadTimings {
  /** Milliseconds from `loadModel` to the Model (its engine loaded and proven). */
  totalMs: number;
  phases: LoadPhase[];
}

export const epochNow = (): number => (typeof performance === 'undefined' ? Date.now() : performance.timeOrigin + performance.now());

/** Times one awaited step into `into`; a failed step is not recorded. */
export async function timed<T>(into: TimedPhase[], name: LoadPhaseName, work: Promise<T>, detail?: (value: T) => string | undefined): Promise<T> {
  const start = epochNow();
  const value = await work;
  const described = detail?.(value);
  into.push({ name, start, end: epochNow(), ...(described === undefined ? {} : { detail: described }) });
  return value;
}
