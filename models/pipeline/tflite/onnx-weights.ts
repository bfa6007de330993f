/**
 * Reads the float32 initializers of an exported ONNX model: the trained weights the TF Lite export
 * writes again in TF Lite's layout. protobufjs decodes the subset of onnx.proto it needs (field
 * numbers from onnx.proto3), as bench/mlp-model.ts encodes it; no ONNX runtime is involved, so the
 * weights are the exported bytes themselves.
 */
import protobuf from 'protobufjs';

const FLOAT = 1;

const onnx = protobuf.Root.fromJSON({
  nested: {
    ModelProto: { fields: { graph: { id: 7, type: 'GraphProto' } } },
    GraphProto: { fields: { initializer: { id: 5, type: 'TensorProto', rule: 'repeated' } } },
    TensorProto: {
      fields: {
        dims: { id: 1, type: 'int64', rule: 'repeated' },
        dataType: { id: 2, type: 'int32' },
        floatData: { id: 4, type: 'float', rule: 'repeated' },
        name: { id: 8, type: 'string' },
        rawData: { id: 9, type: 'bytes' },
      },
    },
  },
});

export interface Weight {
  dims: number[];
  data: Float32Array;
}

interface TensorProto {
  dims: (number | { toNumber(): number })[];
  dataType: number;
  floatData: number[];
  name: string;
  rawData?: Uint8Array;
}

export function readOnnxWeights(bytes: Uint8Array): Map<string, Weight> {
  const model = onnx.lookupType('ModelProto').decode(bytes) as unknown as { graph: { initializer: TensorProto[] } };
  const weights = new Map<string, Weight>();
  for (const t of model.graph.initializer) {
    if (t.dataType !== FLOAT) throw new Error(`initializer ${t.name} is not float32 (ONNX type ${t.dataType})`);
    const dims = t.dims.map((d) => (typeof d === 'number' ? d : d.toNumber()));
    const count = dims.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (t.rawData && t.rawData.byteLength > 0) {
      // rawData is little-endian float32 inside the decoded message (a Buffer view in Node); copy it to an aligned buffer of its own.
      data = new Float32Array(new Uint8Array(t.rawData).buffer);
    } else {
      data = Float32Array.from(t.floatData);
    }
    if (data.length !== count) throw new Error(`initializer ${t.name}: ${data.length} values for dims ${dims.join('x')}`);
    weights.set(t.name, { dims, data });
  }
  return weights;
}
