import type { ModelEvents, PredictOptions } from '../types.js';
import { checkFunction, checkSignal, describeValue, invalidArgument, snapshot } from './read.js';

const EVENTS: ReadonlyArray<keyof ModelEvents> = ['fallback', 'update', 'rollback', 'warning', 'drift'];

const NO_OPTIONS: PredictOptions = Object.freeze({ signal: undefined });

/** `predict`/`predictBatch` options, read once: undefined or an object whose `signal` is an AbortSignal. */
export function checkPredictOptions(options: unknown): PredictOptions {
  // Most calls pass none: one shared answer rather than two objects made per call.
  if (options === undefined) return NO_OPTIONS;
  const copy = snapshot(options, 'options') ?? {};
  return { signal: checkSignal(copy['signal'], 'options.signal') };
}

/** `predictBatch` inputs as a plain array, read once (a Proxy or a throwing index getter becomes INPUT_INVALID). */
export function readInputs<T>(inputs: unknown): T[] {
  if (!Array.isArray(inputs)) throw invalidArgument('inputs', `is ${describeValue(inputs)}; expected an array of inputs`);
  try {
    return Array.from(inputs as T[]);
  } catch (cause) {
    throw invalidArgument('inputs', 'cannot be read (an element or its length threw)', cause);
  }
}

export function checkSubscription(event: unknown, handler: unknown): void {
  if (typeof event !== 'string' || !EVENTS.includes(event as keyof ModelEvents)) {
    throw invalidArgument('event', `is ${JSON.stringify(event) ?? describeValue(event)}; expected one of ${EVENTS.join(', ')}`);
  }
  if (handler === undefined) throw invalidArgument('handler', 'is undefined; expected a function');
  checkFunction(handler, 'handler');
}
