import type { LoadTimings, TimedPhase } from './timings.js';

/** `info().timings`: the load's steps relative to its start, in start order. Apart from timings.ts, which the core carries. */
export function toLoadTimings(origin: number, end: number, phases: readonly TimedPhase[]): LoadTimings {
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    totalMs: round(end - origin),
    phases: [...phases]
      .sort((a, b) => a.start - b.start)
      .map(({ name, start, end: stop, detail }) => ({
        name,
        startMs: round(start - origin),
        durationMs: round(Math.max(0, stop - start)),
        ...(detail === undefined ? {} : { detail }),
      })),
  };
}
