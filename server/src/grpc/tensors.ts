import { datatypeInfo, elementCount, fromBytes, toBytes, type Datatype, type TypedArray } from '../datatypes.js';
import { badRequest } from '../errors.js';
import type { Int64, TensorContents } from './messages.js';

/**
 * Tensor data on the gRPC wire: either raw little-endian bytes (`raw_input_contents` /
 * `raw_output_contents`, one entry per tensor) or the typed `contents` field the spec assigns to
 * each datatype. Shared by the server and the Node client.
 */
type ContentsField = Exclude<keyof TensorContents, 'bytes_contents'>;

const FIELD: Record<Datatype, ContentsField | undefined> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  // The spec gives FP16 no typed field: it travels as raw bytes only.
  FP16: undefined,
};

/** Integer ranges of the narrow types carried in int32/uint32 fields: a value outside is refused, never wrapped. */
const RANGE: Partial<Record<Datatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
};

export function parseShape(shape: Int64[] | undefined, what: string): number[] {
  return (shape ?? []).map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`${what}: shape must hold non-negative integers, got ${String(d)}`);
    return n;
  });
}

/** Copies raw bytes into a fresh, aligned typed array (the wire buffer may be unaligned and is reused). */
export function fromRaw(bytes: Uint8Array, dt: Datatype, shape: number[], what: string): TypedArray {
  checkRawLength(bytes, dt, shape, what);
  return fromBytes(bytes, dt, elementCount(shape));
}

function checkRawLength(bytes: Uint8Array, dt: Datatype, shape: number[], what: string): void {
  const need = elementCount(shape) * datatypeInfo(dt).bytes;
  if (bytes.length !== need) throw badRequest(`${what}: raw contents are ${bytes.length} bytes, shape and datatype need ${need}`);
}

export interface RawInput {
  bytes: Uint8Array;
  datatype: Datatype;
  shape: number[];
  what: string;
}

/**
 * raw_input_contents as typed arrays over the message's own buffer (`own`, grpc/proto.ts
 * ownBuffer), without copying on the event loop: an aligned tensor is a view as it lies; an
 * unaligned one is moved back to the alignment within the buffer (copyWithin over the bytes of
 * its own field tag and length, which were decoded already; no other field's bytes are touched).
 * The views are marked for transfer, so the whole message buffer moves to the instance. Without
 * an own buffer, or with no room to align, a tensor is copied (fromRaw).
 */
export function rawTensors(inputs: readonly RawInput[], own: ArrayBuffer | undefined): Array<{ data: TypedArray; transfer?: ArrayBuffer }> {
  for (const i of inputs) checkRawLength(i.bytes, i.datatype, i.shape, i.what);
  const out = new Array<{ data: TypedArray; transfer?: ArrayBuffer }>(inputs.length);
  const order = inputs.map((_, k) => k).sort((a, b) => inputs[a]!.bytes.byteOffset - inputs[b]!.bytes.byteOffset);
  // The end of the bytes already claimed before the next tensor (protobuf fields never overlap).
  let free = 0;
  for (const k of order) {
    const { bytes, datatype } = inputs[k]!;
    const count = elementCount(inputs[k]!.shape);
    const size = datatypeInfo(datatype).bytes;
    const at = bytes.byteOffset;
    const shift = at % size;
    if (own === undefined || bytes.buffer !== own || bytes.length === 0 || at - shift < free) {
      out[k] = { data: fromBytes(bytes, datatype, count) };
      continue;
    }
    if (shift !== 0) new Uint8Array(own).copyWithin(at - shift, at, at + bytes.length);
    out[k] = { data: datatypeInfo(datatype).view(own, at - shift, count), transfer: own };
    free = at - shift + bytes.length;
  }
  return out;
}

export function toRaw(data: TypedArray): Buffer {
  return toBytes(data);
}

/** Typed `contents` → typed array; the element count must match the shape and the values the datatype. */
export function fromContents(contents: TensorContents | null | undefined, dt: Datatype, shape: number[], what: string): TypedArray {
  const field = FIELD[dt];
  if (field === undefined) throw badRequest(`${what}: datatype ${dt} has no typed contents field; send it in raw_input_contents`);
  const values = (contents?.[field] ?? []) as Array<number | boolean | Int64>;
  for (const [other, list] of Object.entries(contents ?? {})) {
    if (other !== field && Array.isArray(list) && list.length > 0) throw badRequest(`${what}: datatype ${dt} is carried in ${field}, not ${other}`);
  }
  const count = elementCount(shape);
  if (values.length !== count) throw badRequest(`${what}: got ${values.length} elements in ${field}, shape needs ${count}`);
  const out = datatypeInfo(dt).create(count);
  if (dt === 'BOOL') {
    (values as boolean[]).forEach((v, i) => ((out as Uint8Array)[i] = v ? 1 : 0));
  } else if (datatypeInfo(dt).bigint) {
    const big = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < count; i++) big[i] = BigInt(values[i] as Int64);
  } else {
    const range = RANGE[dt];
    for (let i = 0; i < count; i++) {
      const v = values[i] as number;
      if (range && (v < range[0] || v > range[1])) throw badRequest(`${what}: value ${v} is out of range for ${dt}`);
      (out as Float64Array)[i] = v;
    }
  }
  return out;
}

/** Typed array → the typed `contents` field of its datatype (64-bit integers as decimal strings, exact). */
export function toContents(data: TypedArray, dt: Datatype): TensorContents {
  const field = FIELD[dt];
  if (field === undefined) throw badRequest(`datatype ${dt} has no typed contents field; ask for raw output`);
  if (dt === 'BOOL') return { bool_contents: Array.from(data as Uint8Array, (v) => v !== 0) };
  if (datatypeInfo(dt).bigint) return { [field]: Array.from(data as BigInt64Array, (v) => v.toString()) };
  return { [field]: Array.from(data as Float32Array) };
}
