/**
 * onnxruntime-web has no public way to start its wasm without a model: it starts inside the first
 * `InferenceSession.create`. This is the smallest model that starts it — y = Identity(x), one
 * float — encoded by hand (protobuf wire format of onnx.ModelProto), so no encoder ships.
 */
const text = (value: string): number[] => [...new TextEncoder().encode(value)];
/** A length-delimited field; every length here is below 128, so one byte. */
const field = (tag: number, body: number[]): number[] => [(tag << 3) | 2, body.length, ...body];
const varint = (tag: number, value: number): number[] => [tag << 3, value];

const FLOAT = 1;
const valueInfo = (name: string): number[] => [
  ...field(1, text(name)),
  // type.tensor_type { elem_type: FLOAT, shape { dim { dim_value: 1 } } }
  ...field(2, field(1, [...varint(1, FLOAT), ...field(2, field(1, varint(1, 1)))])),
];

export function identityModel(): Uint8Array {
  const node = [...field(1, text('x')), ...field(2, text('y')), ...field(4, text('Identity'))];
  const graph = [...field(1, node), ...field(2, text('start')), ...field(11, valueInfo('x')), ...field(12, valueInfo('y'))];
  // ir_version 8, opset_import { version 13 }, graph
  return Uint8Array.from([...varint(1, 8), ...field(8, varint(2, 13)), ...field(7, graph)]);
}
