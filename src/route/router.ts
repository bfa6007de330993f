import type { RunOptions, TensorMap } from '../engine.js';
import type { Emitter } from '../emitter.js';
import { isModelshipError, type ModelshipErrorCode } from '../errors.js';
import type { ModelEvents } from '../model-types.js';
import { runChecked } from '../output-check.js';
import { disposeSlot, type Slot } from './slot.js';

/** Failures that say "this place cannot answer now", as opposed to "this question is wrong". */
const SWITCHABLE: ModelshipErrorCode[] = [
  'WORKER_CRASHED',
  'TIMEOUT',
  'BACKEND_UNAVAILABLE',
  'OUTPUT_INVALID',
  'REMOTE_UNREACHABLE',
  'REMOTE_HTTP',
  'CIRCUIT_OPEN',
  'PROOF_FAILED',
];

export interface RouterParts {
  primary: Slot;
  /** Loads the other route on first need; undefined when the decision allows no fallback. */
  loadFallback?: () => Promise<Slot>;
  events: Emitter<ModelEvents>;
}

export interface Answer {
  outputs: TensorMap;
  slot: Slot;
}

const label = (slot: Slot): string => `${slot.route}/${slot.engine.runtime}/${slot.variant.id}`;

/**
 * Sends each run to the primary slot and, when it cannot answer, to the fallback slot, saying why.
 * A remote whose circuit is open is skipped without a request, so a dead server is not hammered.
 */
export class Router {
  private fallback: Slot | undefined;
  private fallbackLoading: Promise<Slot> | undefined;
  private readonly inFlight = new Map<Slot, number>();
  private readonly retiring = new Set<Slot>();

  constructor(private readonly parts: RouterParts) {}

  get primary(): Slot {
    return this.parts.primary;
  }

  /**
   * Makes `next` the primary in one step: calls already running finish on the old slot, which is
   * disposed once the last of them settles; every call after this line sees `next` only.
   */
  swapPrimary(next: Slot): Slot {
    const previous = this.parts.primary;
    this.parts.primary = next;
    this.retiring.add(previous);
    this.disposeIfIdle(previous);
    return previous;
  }

  get secondary(): Slot | undefined {
    return this.fallback;
  }

  run(feeds: TensorMap, options: RunOptions): Promise<Answer> {
    const { primary } = this.parts;
    // Without a fallback there is nothing to catch: one promise less per call.
    if (!this.canFallBack()) return this.runOn(primary, feeds, options);
    return this.runWithFallback(feeds, options, primary);
  }

  private async runWithFallback(feeds: TensorMap, options: RunOptions, primary: Slot): Promise<Answer> {
    if (isCircuitOpen(primary)) return this.runFallback(feeds, options, primary, 'the remote circuit is open');
    try {
      // The fallback may need the inputs again: the primary's transfer would detach them.
      return await this.runOn(primary, cloneTensors(feeds), options);
    } catch (error) {
      if (!this.canFallBack() || !isModelshipError(error) || !SWITCHABLE.includes(error.code)) throw error;
      if (options.signal?.aborted) throw error;
      return this.runFallback(feeds, options, primary, `${error.code}: ${error.message}`);
    }
  }

  async dispose(): Promise<void> {
    const fallback = this.fallback ?? (await this.fallbackLoading?.catch(() => undefined));
    const slots = [this.parts.primary, fallback, ...this.retiring].filter((slot): slot is Slot => slot !== undefined);
    await Promise.allSettled(slots.map(disposeSlot));
  }

  /** One reaction on the engine's answer (not an async function's await, finally and return: three hops on the reply's path). */
  private runOn(slot: Slot, feeds: TensorMap, options: RunOptions): Promise<Answer> {
    this.inFlight.set(slot, (this.inFlight.get(slot) ?? 0) + 1);
    const settled = (): void => {
      this.inFlight.set(slot, this.inFlight.get(slot)! - 1);
      this.disposeIfIdle(slot);
    };
    // runChecked never throws: an engine's synchronous throw comes back as its rejection.
    return runChecked(slot.engine, feeds, options, slot.manifest).then(
      (outputs) => {
        settled();
        return { outputs, slot };
      },
      (error: unknown) => {
        settled();
        throw error;
      },
    );
  }

  private disposeIfIdle(slot: Slot): void {
    if (!this.retiring.has(slot) || (this.inFlight.get(slot) ?? 0) > 0) return;
    this.retiring.delete(slot);
    this.inFlight.delete(slot);
    void disposeSlot(slot).catch(() => undefined);
  }

  private canFallBack(): boolean {
    return this.parts.loadFallback !== undefined;
  }

  private async runFallback(feeds: TensorMap, options: RunOptions, from: Slot, reason: string): Promise<Answer> {
    const slot = await this.loadFallback();
    this.parts.events.emit('fallback', { from: label(from), to: label(slot), reason });
    return this.runOn(slot, feeds, options);
  }

  private loadFallback(): Promise<Slot> {
    if (this.fallback) return Promise.resolve(this.fallback);
    this.fallbackLoading ??= this.parts.loadFallback!().then(
      (slot) => (this.fallback = slot),
      (error: unknown) => {
        // A failed load is retried on the next need rather than remembered forever.
        this.fallbackLoading = undefined;
        throw error;
      },
    );
    return this.fallbackLoading;
  }
}

function isCircuitOpen(slot: Slot): boolean {
  return slot.engine.health().circuit === 'open';
}

function cloneTensors(feeds: TensorMap): TensorMap {
  const out: TensorMap = {};
  for (const [name, tensor] of Object.entries(feeds)) out[name] = { data: tensor.data.slice(), dims: [...tensor.dims] };
  return out;
}
