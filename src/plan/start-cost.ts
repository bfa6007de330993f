import type { Variant } from '../manifest/types.js';
import type { RuntimeName } from '../runtimes/types.js';
import { RUNTIME_TABLE } from './runtime-table.generated.js';
import { transferBytes } from './variant-order.js';
import { runtimeKey } from './warm-runtimes.js';

/** Starts within this share of each other count as the same; the earlier (preferred) one stays first. */
const SAME_COST = 0.05;
/** Runs kernels in plain JavaScript: a last resort, never chosen for its size. */
const PLAIN_JS: readonly RuntimeName[] = ['tfjs-cpu'];

export interface StartCost {
  modelBytes: number;
  /** 0 when this runtime at this version started here before (its files are in the HTTP cache). */
  runtimeBytes: number;
  total: number;
}

export function startCost(variant: Variant, runtime: RuntimeName, warm: ReadonlySet<string>): StartCost {
  const modelBytes = transferBytes(variant);
  const row = RUNTIME_TABLE[runtime];
  const runtimeBytes = warm.has(runtimeKey(runtime)) ? 0 : row.jsBytes + row.wasmBytes;
  return { modelBytes, runtimeBytes, total: modelBytes + runtimeBytes };
}

export interface Candidate {
  variant: Variant;
  runtime: RuntimeName;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

export function describeCost(cost: StartCost, runtime: RuntimeName): string {
  const runtimePart = cost.runtimeBytes === 0 ? `${runtime} already started here` : `runtime ${mb(cost.runtimeBytes)}`;
  return `${mb(cost.total)} to start (model ${(cost.modelBytes / 1024).toFixed(0)} KB + ${runtimePart})`;
}

/**
 * Orders candidates by the bytes a start downloads, model plus runtime (a warm runtime costs
 * nothing), cheapest first; starts within 5% of each other keep their given order, and the
 * last-resort runtimes (plain-JS kernels, and `demoted` ones such as a software WebGPU adapter)
 * keep theirs after everything else. Returns each with a reason that names
 * the costs it was compared against.
 */
export function orderByStartCost<T extends Candidate>(
  candidates: T[],
  warm: ReadonlySet<string>,
  demoted: readonly RuntimeName[] = [],
): { candidate: T; why: string }[] {
  const LAST_RESORT: ReadonlySet<RuntimeName> = new Set([...PLAIN_JS, ...demoted]);
  const costed = candidates.map((candidate, index) => ({ candidate, index, cost: startCost(candidate.variant, candidate.runtime, warm) }));
  const ranked = costed.filter((item) => !LAST_RESORT.has(item.candidate.runtime));
  const cheapest = Math.min(...ranked.map((item) => item.cost.total));
  ranked.sort((a, b) => {
    const same = Math.abs(a.cost.total - b.cost.total) <= SAME_COST * Math.min(a.cost.total, b.cost.total);
    return same ? a.index - b.index : a.cost.total - b.cost.total;
  });
  const ordered = [...ranked, ...costed.filter((item) => LAST_RESORT.has(item.candidate.runtime))];
  return ordered.map((item, position) => {
    const others = ordered
      .filter((other) => other !== item && !LAST_RESORT.has(other.candidate.runtime))
      .slice(0, 2)
      .map((other) => `${other.candidate.runtime}/${other.candidate.variant.id} ${mb(other.cost.total)}`);
    const versus = others.length > 0 ? ` vs ${others.join(', ')}` : '';
    const rank = LAST_RESORT.has(item.candidate.runtime)
      ? `${PLAIN_JS.includes(item.candidate.runtime) ? 'plain-JavaScript kernels' : 'software adapter'}, a last resort`
      : position === 0 || item.cost.total <= cheapest * (1 + SAME_COST)
        ? 'cheapest start'
        : 'costlier start';
    return { candidate: item.candidate, why: `${rank}: ${describeCost(item.cost, item.candidate.runtime)}${versus}` };
  });
}
