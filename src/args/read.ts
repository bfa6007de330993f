import { ModelshipError } from '../errors.js';

/*
 * The app's arguments are read exactly once, here, inside try: a getter that throws or a Proxy
 * that traps every read becomes INPUT_INVALID naming the field, never a raw TypeError from deep
 * inside the library, and nothing downstream reads the caller's object again.
 */

export function invalidArgument(field: string, message: string, cause?: unknown): ModelshipError {
  return new ModelshipError('INPUT_INVALID', `${field} ${message}`, { cause, details: { field } });
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** A plain copy of `value`'s own enumerable properties, read one by one; undefined stays undefined. */
export function snapshot(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(field, `is ${describeValue(value)}; expected an object or undefined`);
  }
  const copy: Record<string, unknown> = {};
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch (cause) {
    throw invalidArgument(field, 'cannot be read (its keys threw)', cause);
  }
  for (const key of keys) {
    try {
      copy[key] = (value as Record<string, unknown>)[key];
    } catch (cause) {
      throw invalidArgument(`${field}.${key}`, 'cannot be read (its getter threw)', cause);
    }
  }
  return copy;
}

/** An AbortSignal from this realm or another (an iframe's), by shape. */
export function checkSignal(value: unknown, field: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function' &&
    typeof (value as AbortSignal).removeEventListener === 'function';
  if (!ok) throw invalidArgument(field, `is ${describeValue(value)}; expected an AbortSignal`);
  return value as AbortSignal;
}

export function checkFunction(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'function') throw invalidArgument(field, `is ${describeValue(value)}; expected a function`);
}

export function checkNumber(value: unknown, field: string, { min = 0, integer = false, exclusiveMin = false } = {}): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && (!integer || Number.isInteger(value));
  if (!ok) {
    throw invalidArgument(
      field,
      `is ${typeof value === 'number' ? value : describeValue(value)}; expected a finite ${integer ? 'integer' : 'number'} ${exclusiveMin ? '>' : '≥'} ${min}`,
    );
  }
}

export function checkType(value: unknown, field: string, type: 'string' | 'boolean'): void {
  if (value !== undefined && typeof value !== type) throw invalidArgument(field, `is ${describeValue(value)}; expected a ${type}`);
}
