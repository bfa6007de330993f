import type { KeyValueStore } from '../store/key-value-store.js';

/** `loadModel(url, { feedback })`: opt-in, and nothing is kept or sent unless `consent` is true. */
export interface FeedbackOptions {
  /** Full URL of the server's feedback route, e.g. `https://example.com/feedback`. */
  endpoint: string;
  /**
   * The user agreed that the preprocessed 28×28 input of a corrected answer may leave the device. A
   * function is asked each time (for a switch the user can flip after loading); while it says no,
   * no input is kept, nothing is sent and nothing queued is flushed.
   */
  consent: boolean | (() => boolean);
  /** Bearer token, when the server protects its routes with one. */
  token?: string;
  /** Items waiting to be sent, at most; the oldest gives way (with a warning). Default 200. */
  maxOutbox?: number;
  /** Recent predictions whose input is kept in memory so they can be corrected; default 100. */
  recentPredictions?: number;
  /** Where the outbox lives. Default: IndexedDB (`modelship-feedback`) when present, else memory. */
  store?: 'indexeddb' | 'memory' | KeyValueStore;
  /** Per-request timeout in ms; default 10 000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface FeedbackCallOptions {
  /** Stops waiting; an item already in the outbox is still sent later. */
  signal?: AbortSignal;
}

export interface FeedbackResult {
  /** The prediction's id: the item's idempotency key on the server. */
  id: string;
  /** `sent`: the server acknowledged it. `queued`: it waits in the outbox and is sent later. */
  status: 'sent' | 'queued';
}

/** What `POST /feedback` receives: one corrected (or confirmed) answer. */
export interface FeedbackItem {
  id: string;
  createdAt: string;
  model: { name: string; version: string; variant: string; channel?: string };
  /** The true label, as the user gave it. */
  label: string;
  labelIndex: number;
  predicted: { label: string; index: number; scores: number[] };
  /** The preprocessed input the model saw, row-major. */
  input: { width: number; height: number; data: number[] };
}
