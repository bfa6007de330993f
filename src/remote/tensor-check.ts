import type { TensorBuffer } from '../engine.js';
import { malformed } from './http.js';

/** What the manifest promises for one output: its name and dims, `-1` where anything goes. */
export interface ExpectedTensor {
  name: string;
  dims: number[];
}

/** The manifest's shape with the leading batch dimension filled in. */
export function withBatch(shape: number[], batch: number): number[] {
  return shape.map((d, i) => (i === 0 && d === -1 ? batch : d));
}

/** Refuses a tensor whose shape or element count is not the expected one: a wrong answer is worse than none. */
export function checkTensor(url: string, expected: ExpectedTensor, shape: unknown, data: Float32Array): TensorBuffer {
  const what = `output '${expected.name}'`;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw malformed(url, `${what} has no valid shape (${JSON.stringify(shape)})`, { details: { output: expected.name } });
  }
  const dims = shape as number[];
  const fits = dims.length === expected.dims.length && dims.every((d, i) => expected.dims[i] === -1 || expected.dims[i] === d);
  if (!fits) {
    throw malformed(url, `${what} has shape ${JSON.stringify(dims)}; expected ${JSON.stringify(expected.dims)}`, {
      details: { output: expected.name, shape: dims, expected: expected.dims },
    });
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw malformed(url, `${what} has ${data.length} values; its shape ${JSON.stringify(dims)} holds ${count}`, {
      details: { output: expected.name, received: data.length, expected: count },
    });
  }
  return { data, dims };
}

/** JSON tensor data, flat or nested, as float32; anything but finite-or-not numbers is refused. */
export function flattenNumbers(url: string, what: string, value: unknown): Float32Array {
  const out: number[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === 'number') out.push(v);
    else if (Array.isArray(v) && depth < 32) for (const item of v) visit(item, depth + 1);
    else throw malformed(url, `${what} holds ${v === null ? 'null' : typeof v} where numbers were expected`);
  };
  visit(value, 0);
  return Float32Array.from(out);
}

/** Shape of a nested JSON array, checking it is rectangular (TF Serving sends tensors this way). */
export function nestedShape(url: string, what: string, value: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw malformed(url, `${what} holds ${v === null ? 'null' : typeof v} where numbers were expected`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) throw malformed(url, `${what} is not a rectangular array`);
    for (const item of v) check(item, depth + 1);
  };
  check(value, 0);
  return shape;
}

/** Flat row-major data → nested arrays of `dims` (TF Serving wants tensors nested). */
export function nest(data: Float32Array, dims: number[]): unknown {
  const build = (offset: number, depth: number): unknown => {
    if (depth === dims.length) return data[offset];
    const stride = dims.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[depth]! }, (_, i) => build(offset + i * stride, depth + 1));
  };
  return build(0, 0);
}
