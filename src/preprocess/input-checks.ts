import { ModelshipError } from '../errors.js';
import type { Preprocessing } from '../manifest/types.js';
import type { RgbaImage } from './grey-image.js';

/** Larger pictures are refused: a 4096² RGBA frame is already 64 MiB, and a digit needs far less. */
export const MAX_IMAGE_SIDE = 4096;

export function invalidInput(
  field: string,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): ModelshipError {
  return new ModelshipError('INPUT_INVALID', message, { details: { field, ...details }, cause });
}

/**
 * Already-preprocessed values: exactly width·height finite numbers in the range the manifest's
 * normalisation can produce, give or take a quarter of that range for other resamplers'
 * overshoot. The usual mistake it catches is raw 0..255 pixels, or unnormalised garbage.
 */
export function readPreprocessed(values: Float32Array | unknown[], spec: Preprocessing, field: string): Float32Array {
  const out = new Float32Array(spec.width * spec.height);
  readPreprocessedInto(values, spec, field, out, 0);
  return out;
}

/**
 * The same check, writing the values into `out` at `offset` (a batch's row): one copy per row, no
 * array of its own (bench/predict-cost.ts: a batch of 64 spent ~150 µs on per-row copies).
 */
export function readPreprocessedInto(values: Float32Array | unknown[], spec: Preprocessing, field: string, out: Float32Array, offset: number): void {
  const expected = spec.width * spec.height;
  if (values.length !== expected) {
    throw invalidInput(
      field,
      `${field} has ${values.length} values; expected ${expected} (a ${spec.width}×${spec.height} image, already preprocessed)`,
      { expected, received: values.length },
    );
  }
  const [min, max] = preprocessedRange(spec);
  // The hot path of every predict(): one comparison per value (it is false for NaN too), in a loop
  // that sees one array type only; the message, with the index, is built only when a value is wrong.
  if (values instanceof Float32Array) out.set(values, offset);
  else for (let i = 0; i < expected; i++) out[offset + i] = typeof values[i] === 'number' ? (values[i] as number) : NaN;
  const bad = firstOutOfRange(out, offset, offset + expected, min, max);
  if (bad >= 0) throw badValue(values[bad - offset], field, bad - offset, spec, min, max);
}

function firstOutOfRange(values: Float32Array, from: number, to: number, min: number, max: number): number {
  for (let i = from; i < to; i++) {
    const value = values[i]!;
    if (!(value >= min && value <= max)) return i;
  }
  return -1;
}

function badValue(value: unknown, field: string, i: number, spec: Preprocessing, min: number, max: number): ModelshipError {
  const at = `${field}[${i}]`;
  if (typeof value !== 'number') return invalidInput(at, `${at} is ${describe(value)}; expected a finite number`, { index: i });
  if (!Number.isFinite(value)) return invalidInput(at, `${at} is ${value}; expected a finite number`, { index: i });
  return invalidInput(
    at,
    `${at} is ${value}, outside [${min.toFixed(3)}, ${max.toFixed(3)}]: preprocessed values are (x - ${spec.mean}) / ${spec.std} ` +
      'with x in [0, 1] (raw 0..255 pixels belong in an ImageData-like { data, width, height } instead)',
    { index: i, value, min, max },
  );
}

function preprocessedRange(spec: Preprocessing): [number, number] {
  const a = (0 - spec.mean) / spec.std;
  const b = (1 - spec.mean) / spec.std;
  const slack = Math.abs(b - a) / 4;
  return [Math.min(a, b) - slack, Math.max(a, b) + slack];
}

export function checkImageSize(width: unknown, height: unknown, field: string): void {
  for (const [name, side] of [['width', width], ['height', height]] as const) {
    if (typeof side !== 'number' || !Number.isInteger(side) || side < 0) {
      throw invalidInput(`${field}.${name}`, `${field}.${name} is ${describe(side)}; expected a whole number of pixels`);
    }
  }
  const w = width as number;
  const h = height as number;
  if (w === 0 || h === 0) throw invalidInput(field, `${field} is empty (${w}×${h} pixels)`, { width: w, height: h });
  if (w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE) {
    throw invalidInput(field, `${field} is ${w}×${h} pixels; the largest accepted is ${MAX_IMAGE_SIDE}×${MAX_IMAGE_SIDE}`, {
      width: w,
      height: h,
      max: MAX_IMAGE_SIDE,
    });
  }
}

/** An `ImageData` or a look-alike `{ data, width, height }` (what Node code has instead). */
export function checkRgba(image: { data: unknown; width: unknown; height: unknown }, field: string): RgbaImage {
  const { data, width, height } = image;
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array)) {
    throw invalidInput(`${field}.data`, `${field}.data is ${describe(data)}; expected RGBA bytes in a Uint8ClampedArray`);
  }
  checkImageSize(width, height, field);
  const expected = (width as number) * (height as number) * 4;
  if (data.length !== expected) {
    throw invalidInput(
      `${field}.data`,
      `${field}.data has ${data.length} bytes; a ${width}×${height} RGBA image has ${expected}`,
      { expected, received: data.length },
    );
  }
  return image as RgbaImage;
}

/** A short, human description of what was passed, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)})`;
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  const name = value.constructor?.name;
  if (name && name !== 'Object') return `a ${name}`;
  const keys = Object.keys(value).slice(0, 5);
  return keys.length > 0 ? `an object with keys ${keys.join(', ')}` : 'an empty object';
}
