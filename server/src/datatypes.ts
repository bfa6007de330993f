import { badRequest } from './errors.js';

/** Open Inference Protocol tensor datatypes the server can carry (BYTES is not supported). */
export type Datatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64'
  | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64';

export type TypedArray =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array;

/** The onnxruntime tensor type name for each protocol datatype. */
export type OrtType =
  | 'bool' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'int8' | 'int16' | 'int32' | 'int64' | 'float16' | 'float32' | 'float64';

interface DatatypeInfo {
  bytes: number;
  ort: OrtType;
  create: (length: number) => TypedArray;
  /** A typed array over `length` elements of `buffer` from `byteOffset` (no copy; the offset must be aligned). */
  view: (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;
  /** JSON carries FP16 badly (see the spec); it is accepted as binary data only. */
  json: boolean;
  bigint: boolean;
}

/** A typed array's constructor: the element size, and both a fresh array and a view over a buffer. */
interface ArrayKind {
  new (length: number): TypedArray;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
}

function info(kind: ArrayKind, ort: OrtType, json = true): DatatypeInfo {
  return {
    bytes: kind.BYTES_PER_ELEMENT,
    ort,
    create: (n) => new kind(n),
    view: (b, o, n) => new kind(b, o, n),
    json,
    bigint: kind === (BigUint64Array as ArrayKind) || kind === (BigInt64Array as ArrayKind),
  };
}

const INFO: Record<Datatype, DatatypeInfo> = {
  BOOL: info(Uint8Array, 'bool'),
  UINT8: info(Uint8Array, 'uint8'),
  UINT16: info(Uint16Array, 'uint16'),
  UINT32: info(Uint32Array, 'uint32'),
  UINT64: info(BigUint64Array, 'uint64'),
  INT8: info(Int8Array, 'int8'),
  INT16: info(Int16Array, 'int16'),
  INT32: info(Int32Array, 'int32'),
  INT64: info(BigInt64Array, 'int64'),
  FP16: info(Uint16Array, 'float16', false),
  FP32: info(Float32Array, 'float32'),
  FP64: info(Float64Array, 'float64'),
};

/** Values a JSON number may take for each numeric datatype; beyond them it would wrap, saturate or become Infinity. */
const FP32_MAX = 3.4028234663852886e38;
const RANGE: Partial<Record<Datatype, [number, number]>> = {
  UINT8: [0, 0xff], UINT16: [0, 0xffff], UINT32: [0, 0xffffffff], UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-0x80, 0x7f], INT16: [-0x8000, 0x7fff], INT32: [-0x80000000, 0x7fffffff], INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  FP32: [-FP32_MAX, FP32_MAX],
};

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.hasOwn(INFO, value);
}

export function datatypeInfo(dt: Datatype): DatatypeInfo {
  return INFO[dt];
}

/** Triton config `TYPE_FP32` → protocol `FP32`; `TYPE_STRING` maps to BYTES, which we reject. */
export function datatypeFromConfig(configType: string): Datatype {
  const dt = configType.replace(/^TYPE_/, '');
  if (!isDatatype(dt)) throw new Error(`unsupported data_type ${configType}`);
  return dt;
}

export function datatypeFromOrt(type: string): Datatype | undefined {
  return (Object.keys(INFO) as Datatype[]).find((dt) => INFO[dt].ort === type);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Copies JSON tensor data, flat or nested (row-major), into a typed array of `count`
 * elements. Nested arrays are walked without building an intermediate flat copy.
 */
export function fromJson(data: unknown, dt: Datatype, count: number, what: string): TypedArray {
  const info = INFO[dt];
  if (!info.json) throw badRequest(`${what}: datatype ${dt} is only accepted as binary data`);
  if (!Array.isArray(data)) throw badRequest(`${what}: "data" must be an array`);
  const out = info.create(count);
  let n = 0;
  const put = (v: unknown): void => {
    if (n >= count) throw badRequest(`${what}: more data elements than the shape holds (${count})`);
    if (dt === 'BOOL') {
      if (typeof v !== 'boolean') throw badRequest(`${what}: expected boolean elements for BOOL`);
      out[n++] = v ? 1 : 0;
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      // JSON has no NaN/Infinity literal; anything else (string, null, object) is wrong for a numeric type.
      throw badRequest(`${what}: expected numeric elements for ${dt}, got ${v === null ? 'null' : typeof v}`);
    } else if (RANGE[dt] && (v < RANGE[dt]![0] || v > RANGE[dt]![1])) {
      throw badRequest(`${what}: element ${n} (${v}) is out of range for ${dt} [${RANGE[dt]![0]}, ${RANGE[dt]![1]}]`);
    } else if (info.bigint) {
      if (!Number.isInteger(v)) throw badRequest(`${what}: expected integer elements for ${dt}`);
      (out as BigInt64Array)[n++] = BigInt(v);
    } else {
      if (dt !== 'FP32' && dt !== 'FP64' && !Number.isInteger(v)) {
        throw badRequest(`${what}: expected integer elements for ${dt}`);
      }
      (out as Float64Array)[n++] = v;
    }
  };
  const walk = (arr: unknown[]): void => {
    for (const v of arr) {
      if (Array.isArray(v)) walk(v);
      else put(v);
    }
  };
  walk(data);
  if (n !== count) throw badRequest(`${what}: got ${n} data elements, shape needs ${count}`);
  return out;
}

/** Typed array → JSON-ready flat array (numbers; BOOL as booleans; 64-bit ints as numbers). */
export function toJson(data: TypedArray, dt: Datatype): Array<number | boolean> {
  if (dt === 'BOOL') return Array.from(data as Uint8Array, (v) => v !== 0);
  if (INFO[dt].bigint) return Array.from(data as BigInt64Array, (v) => Number(v));
  return Array.from(data as Float32Array);
}

/**
 * A copy of raw little-endian bytes as a typed array with an ArrayBuffer of its own (aligned,
 * transferable). Not zero-filled first: every byte is overwritten.
 */
export function fromBytes(bytes: Uint8Array, dt: Datatype, count: number): TypedArray {
  const buffer = Buffer.allocUnsafeSlow(count * INFO[dt].bytes).buffer as ArrayBuffer;
  const out = INFO[dt].view(buffer, 0, count);
  new Uint8Array(buffer).set(bytes);
  return out;
}

export function toBytes(data: TypedArray): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
