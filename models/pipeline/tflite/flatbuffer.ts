/**
 * Writes a TF Lite model (schema version 3, file identifier "TFL3") with the `flatbuffers` builder.
 * Only what a float32 feed-forward graph of builtin operators needs: buffers, tensors, operator
 * codes, operators with builtin options, one subgraph and one signature. Table slots and enum
 * values follow TF Lite's schema.fbs; each constant names the schema field it stands for.
 */
import * as flatbuffers from 'flatbuffers';

/** BuiltinOperator values from schema.fbs. */
export const Op = { CONV_2D: 3, FULLY_CONNECTED: 9, MAX_POOL_2D: 17, RESHAPE: 22 } as const;
/** BuiltinOptions union tags from schema.fbs. */
const Options = { Conv2DOptions: 1, Pool2DOptions: 5, FullyConnectedOptions: 8, ReshapeOptions: 17 } as const;
const TENSOR_FLOAT32 = 0;
const TENSOR_INT32 = 2;
export const Padding = { SAME: 0, VALID: 1 } as const;
export const Activation = { NONE: 0, RELU: 1 } as const;

export type OperatorSpec =
  | { op: typeof Op.CONV_2D; inputs: number[]; outputs: number[]; padding: number; stride: number; activation: number }
  | { op: typeof Op.MAX_POOL_2D; inputs: number[]; outputs: number[]; padding: number; stride: number; filter: number; activation: number }
  | { op: typeof Op.FULLY_CONNECTED; inputs: number[]; outputs: number[]; activation: number }
  | { op: typeof Op.RESHAPE; inputs: number[]; outputs: number[]; newShape: number[] };

export interface TensorSpec {
  name: string;
  shape: number[];
  /** -1 marks a dynamic dimension (the batch); written as shape_signature. */
  signature?: number[];
  type?: 'float32' | 'int32';
  /** Constant data (weights, biases, shapes); activations have none. */
  data?: Float32Array | Int32Array;
}

export interface GraphSpec {
  tensors: TensorSpec[];
  inputs: number[];
  outputs: number[];
  operators: OperatorSpec[];
  description: string;
}

function intVector(b: flatbuffers.Builder, values: readonly number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function offsetVector(b: flatbuffers.Builder, offsets: readonly flatbuffers.Offset[]): flatbuffers.Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

/** Buffer { data: [ubyte] (force_align: 16) } */
function buffer(b: flatbuffers.Builder, bytes?: Uint8Array): flatbuffers.Offset {
  let data = 0;
  if (bytes) {
    b.startVector(1, bytes.length, 16);
    for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]!);
    data = b.endVector();
  }
  b.startObject(3);
  if (bytes) b.addFieldOffset(0, data, 0);
  return b.endObject();
}

/** Tensor { shape, type, buffer, name, quantization, is_variable, sparsity, shape_signature } */
function tensor(b: flatbuffers.Builder, t: TensorSpec, bufferIndex: number): flatbuffers.Offset {
  const name = b.createString(t.name);
  const shape = intVector(b, t.shape);
  const signature = t.signature ? intVector(b, t.signature) : 0;
  b.startObject(8);
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, t.type === 'int32' ? TENSOR_INT32 : TENSOR_FLOAT32, TENSOR_FLOAT32);
  b.addFieldInt32(2, bufferIndex, 0);
  b.addFieldOffset(3, name, 0);
  if (signature) b.addFieldOffset(7, signature, 0);
  return b.endObject();
}

/** The builtin options table of one operator and its union tag. */
function options(b: flatbuffers.Builder, o: OperatorSpec): [tag: number, table: flatbuffers.Offset] {
  switch (o.op) {
    case Op.CONV_2D: // Conv2DOptions { padding, stride_w, stride_h, fused_activation_function, dilation_w_factor, dilation_h_factor }
      b.startObject(6);
      b.addFieldInt8(0, o.padding, 0);
      b.addFieldInt32(1, o.stride, 0);
      b.addFieldInt32(2, o.stride, 0);
      b.addFieldInt8(3, o.activation, 0);
      b.addFieldInt32(4, 1, 1);
      b.addFieldInt32(5, 1, 1);
      return [Options.Conv2DOptions, b.endObject()];
    case Op.MAX_POOL_2D: // Pool2DOptions { padding, stride_w, stride_h, filter_width, filter_height, fused_activation_function }
      b.startObject(6);
      b.addFieldInt8(0, o.padding, 0);
      b.addFieldInt32(1, o.stride, 0);
      b.addFieldInt32(2, o.stride, 0);
      b.addFieldInt32(3, o.filter, 0);
      b.addFieldInt32(4, o.filter, 0);
      b.addFieldInt8(5, o.activation, 0);
      return [Options.Pool2DOptions, b.endObject()];
    case Op.FULLY_CONNECTED: // FullyConnectedOptions { fused_activation_function, weights_format, keep_num_dims, asymmetric_quantize_inputs }
      b.startObject(4);
      b.addFieldInt8(0, o.activation, 0);
      return [Options.FullyConnectedOptions, b.endObject()];
    case Op.RESHAPE: {
      // ReshapeOptions { new_shape }
      const shape = intVector(b, o.newShape);
      b.startObject(1);
      b.addFieldOffset(0, shape, 0);
      return [Options.ReshapeOptions, b.endObject()];
    }
  }
}

function bytesOf(data: Float32Array | Int32Array): Uint8Array {
  // TF Lite buffers are little-endian, as typed arrays are on every platform this runs on (checked below).
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function writeTflite(g: GraphSpec): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('TF Lite export needs a little-endian host');
  const b = new flatbuffers.Builder(1 << 20);
  // Buffer 0 is the empty sentinel every tensor without data points at, by convention.
  const constants = g.tensors.map((t, i) => [t, i] as const).filter(([t]) => t.data);
  const bufferIndex = new Map(constants.map(([, i], k) => [i, k + 1]));
  const buffers = [buffer(b), ...constants.map(([t]) => buffer(b, bytesOf(t.data!)))];
  const tensors = g.tensors.map((t, i) => tensor(b, t, bufferIndex.get(i) ?? 0));

  const codes = [...new Set(g.operators.map((o) => o.op))];
  const operatorCodes = codes.map((code) => {
    // OperatorCode { deprecated_builtin_code: byte, custom_code, version, builtin_code: int }
    b.startObject(4);
    b.addFieldInt8(0, code, 0);
    b.addFieldInt32(2, 1, 1);
    b.addFieldInt32(3, code, 0);
    return b.endObject();
  });
  const operators = g.operators.map((o) => {
    const inputs = intVector(b, o.inputs);
    const outputs = intVector(b, o.outputs);
    const [tag, table] = options(b, o);
    // Operator { opcode_index, inputs, outputs, builtin_options_type, builtin_options }
    b.startObject(5);
    b.addFieldInt32(0, codes.indexOf(o.op), 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldInt8(3, tag, 0);
    b.addFieldOffset(4, table, 0);
    return b.endObject();
  });

  const subgraphName = b.createString('main');
  const tensorVector = offsetVector(b, tensors);
  const inputs = intVector(b, g.inputs);
  const outputs = intVector(b, g.outputs);
  const operatorVector = offsetVector(b, operators);
  // SubGraph { tensors, inputs, outputs, operators, name }
  b.startObject(5);
  b.addFieldOffset(0, tensorVector, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, operatorVector, 0);
  b.addFieldOffset(4, subgraphName, 0);
  const subgraph = b.endObject();

  const signature = signatureDef(b, g);
  const description = b.createString(g.description);
  const codeVector = offsetVector(b, operatorCodes);
  const subgraphVector = offsetVector(b, [subgraph]);
  const bufferVector = offsetVector(b, buffers);
  const signatureVector = offsetVector(b, [signature]);
  // Model { version, operator_codes, subgraphs, description, buffers, metadata_buffer, metadata, signature_defs }
  b.startObject(8);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codeVector, 0);
  b.addFieldOffset(2, subgraphVector, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, bufferVector, 0);
  b.addFieldOffset(7, signatureVector, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** SignatureDef { inputs: [TensorMap], outputs: [TensorMap], signature_key, deprecated_tag, subgraph_index } */
function signatureDef(b: flatbuffers.Builder, g: GraphSpec): flatbuffers.Offset {
  const maps = (indices: number[]) =>
    indices.map((i) => {
      const name = b.createString(g.tensors[i]!.name);
      // TensorMap { name, tensor_index }
      b.startObject(2);
      b.addFieldOffset(0, name, 0);
      b.addFieldInt32(1, i, 0);
      return b.endObject();
    });
  const inputs = offsetVector(b, maps(g.inputs));
  const outputs = offsetVector(b, maps(g.outputs));
  const key = b.createString('serving_default');
  b.startObject(5);
  b.addFieldOffset(0, inputs, 0);
  b.addFieldOffset(1, outputs, 0);
  b.addFieldOffset(2, key, 0);
  b.addFieldInt32(4, 0, 0);
  return b.endObject();
}
