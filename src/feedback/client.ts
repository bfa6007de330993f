import { ModelshipError, abortError, type ModelshipWarningCode } from '../errors.js';
import { openStore } from '../store/open-store.js';
import { consentRequired } from './consent.js';
import { Outbox } from './outbox.js';
import { RecentPredictions, type Remembered } from './recent.js';
import { sendItem, type SendOptions } from './send.js';
import type { FeedbackCallOptions, FeedbackItem, FeedbackOptions, FeedbackResult } from './types.js';

/** What the client needs to know about the model at the moment feedback is given. */
export interface ModelFacts {
  name: string;
  labels: string[];
  channel: string | undefined;
  width: number;
  height: number;
}

export type Warn = (code: ModelshipWarningCode, message: string, cause?: unknown) => void;

/**
 * The device side of feedback: keeps the inputs of recent predictions (only with consent), turns
 * a correction into an item, queues it in a bounded outbox and sends what waits, one at a time,
 * each until the server acknowledges it.
 */
export class FeedbackClient {
  private readonly recent: RecentPredictions;
  private readonly outbox: Outbox | undefined;
  private readonly send: SendOptions;
  private flushing: Promise<Set<string>> | undefined;
  private readonly onOnline = (): void => void this.flush();

  constructor(
    private readonly options: FeedbackOptions,
    private readonly warn: Warn,
    fallbackFetch: typeof fetch | undefined,
  ) {
    if (typeof options.endpoint !== 'string' || options.endpoint === '') {
      throw new ModelshipError('INPUT_INVALID', `feedback.endpoint must be the URL of the server's feedback route, got ${JSON.stringify(options.endpoint)}`, {
        details: { field: 'feedback.endpoint' },
      });
    }
    this.recent = new RecentPredictions(options.recentPredictions ?? 100);
    this.outbox = options.consent !== false ? new Outbox(openStore(options.store, 'modelship-feedback')!, options.maxOutbox ?? 200) : undefined;
    this.send = {
      endpoint: options.endpoint,
      token: options.token,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch ?? fallbackFetch ?? globalThis.fetch.bind(globalThis),
    };
    if (this.outbox) {
      globalThis.addEventListener?.('online', this.onOnline);
      void this.flush(); // what an earlier session left behind
    }
  }

  get consented(): boolean {
    const { consent } = this.options;
    return (typeof consent === 'function' ? consent() : consent) === true;
  }

  /** Copies inputs before they are transferred to the engine; nothing is kept without consent. */
  keep(data: Float32Array): Float32Array | undefined {
    return this.consented ? data.slice() : undefined;
  }

  remember(ids: string[], kept: Float32Array | undefined, answers: Omit<Remembered, 'input'>[]): void {
    if (!kept) return;
    const size = kept.length / ids.length;
    ids.forEach((id, row) => {
      const { label, index, scores, version, variant } = answers[row]!;
      this.recent.add(id, { label, index, scores, version, variant, input: kept.slice(row * size, (row + 1) * size) });
    });
  }

  async submit(id: string, label: string | number, facts: ModelFacts, options: FeedbackCallOptions = {}): Promise<FeedbackResult> {
    if (!this.consented || !this.outbox) throw consentRequired();
    if (options.signal?.aborted) throw abortError(options.signal);
    const labelIndex = typeof label === 'number' ? label : facts.labels.indexOf(String(label));
    if (!Number.isInteger(labelIndex) || labelIndex < 0 || labelIndex >= facts.labels.length) {
      throw new ModelshipError('INPUT_INVALID', `label ${JSON.stringify(label)} is not one of the model's labels (${facts.labels.join(', ')})`, {
        details: { field: 'label', received: label },
      });
    }
    const seen = this.recent.get(id);
    if (!seen) {
      throw new ModelshipError('INPUT_INVALID', `prediction ${JSON.stringify(id)} is not among this model's recent predictions`, {
        details: { field: 'prediction', received: id },
      });
    }
    const item: FeedbackItem = {
      id,
      createdAt: new Date().toISOString(),
      model: { name: facts.name, version: seen.version, variant: seen.variant, ...(facts.channel ? { channel: facts.channel } : {}) },
      label: facts.labels[labelIndex]!,
      labelIndex,
      predicted: { label: seen.label, index: seen.index, scores: seen.scores },
      input: { width: facts.width, height: facts.height, data: Array.from(seen.input) },
    };
    for (const dropped of await this.outbox.put(item)) {
      this.warn('FEEDBACK_DROPPED', `The feedback outbox is full; the oldest item ${dropped.id} was dropped unsent`);
    }
    const flushed = this.flush();
    const delivered = options.signal ? await abortable(flushed, options.signal) : await flushed;
    return { id, status: delivered.has(id) ? 'sent' : 'queued' };
  }

  /** Sends what waits, oldest first, one at a time; a flush already running is joined, not doubled. */
  flush(): Promise<Set<string>> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    const run = this.drain().finally(() => {
      this.flushing = undefined;
    });
    this.flushing = run;
    return run;
  }

  dispose(): void {
    globalThis.removeEventListener?.('online', this.onOnline);
  }

  private async drain(): Promise<Set<string>> {
    const delivered = new Set<string>();
    if (!this.outbox || !this.consented) return delivered;
    for (const item of await this.outbox.items()) {
      const outcome = await sendItem(item, this.send);
      if (outcome.kind === 'retry') {
        this.warn('FEEDBACK_QUEUED', `Feedback ${item.id} waits in the outbox: ${outcome.reason}`);
        break; // the rest would meet the same server; keep the order
      }
      if (outcome.kind === 'rejected') this.warn('FEEDBACK_REJECTED', `The server refused feedback ${item.id}; dropped: ${outcome.reason}`);
      else delivered.add(item.id);
      await this.outbox.remove(item.id);
    }
    return delivered;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
