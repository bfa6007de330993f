/**
 * A compute-bound stand-in for the server benchmark: a random-weight MLP on MNIST-shaped input
 * (784 → 2048 → 2048 → 2048 → 10, 10.5 M parameters, 42 MB), written as ONNX into a temporary
 * Triton-layout repository. Its weights (42 MB) do not fit the 32 MB L3 cache, so batch 1 is a
 * memory-bound matrix-vector product and batching turns it into matrix-matrix work: the kind
 * of model a dynamic batcher exists for. The MNIST CNN is the opposite (0.08 ms per digit,
 * less than the HTTP handling of one request), which is why the bench reports both.
 *
 * Generated at bench time (deterministic PRNG) instead of committed, to keep 42 MB out of git.
 * protobufjs encodes the subset of onnx.proto this graph needs; field numbers from onnx.proto3.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';

export const MLP_NAME = 'mlp';
const HIDDEN = [2048, 2048, 2048];
const FLOAT = 1;

const onnx = protobuf.Root.fromJSON({
  nested: {
    ModelProto: { fields: { irVersion: { id: 1, type: 'int64' }, producerName: { id: 2, type: 'string' }, graph: { id: 7, type: 'GraphProto' }, opsetImport: { id: 8, type: 'OperatorSetIdProto', rule: 'repeated' } } },
    OperatorSetIdProto: { fields: { domain: { id: 1, type: 'string' }, version: { id: 2, type: 'int64' } } },
    GraphProto: {
      fields: {
        node: { id: 1, type: 'NodeProto', rule: 'repeated' },
        name: { id: 2, type: 'string' },
        initializer: { id: 5, type: 'TensorProto', rule: 'repeated' },
        input: { id: 11, type: 'ValueInfoProto', rule: 'repeated' },
        output: { id: 12, type: 'ValueInfoProto', rule: 'repeated' },
      },
    },
    NodeProto: { fields: { input: { id: 1, type: 'string', rule: 'repeated' }, output: { id: 2, type: 'string', rule: 'repeated' }, name: { id: 3, type: 'string' }, opType: { id: 4, type: 'string' } } },
    TensorProto: { fields: { dims: { id: 1, type: 'int64', rule: 'repeated' }, dataType: { id: 2, type: 'int32' }, name: { id: 8, type: 'string' }, rawData: { id: 9, type: 'bytes' } } },
    ValueInfoProto: { fields: { name: { id: 1, type: 'string' }, type: { id: 2, type: 'TypeProto' } } },
    TypeProto: { fields: { tensorType: { id: 1, type: 'TensorTypeProto' } } },
    TensorTypeProto: { fields: { elemType: { id: 1, type: 'int32' }, shape: { id: 2, type: 'TensorShapeProto' } } },
    TensorShapeProto: { fields: { dim: { id: 1, type: 'Dimension', rule: 'repeated' } } },
    Dimension: { fields: { dimValue: { id: 1, type: 'int64' }, dimParam: { id: 2, type: 'string' } } },
  },
});

/** mulberry32: a fixed seed gives the same file on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tensor(name: string, dims: number[], values: Float32Array): object {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function valueInfo(name: string, dims: Array<number | string>): object {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

export function mlpOnnx(): Uint8Array {
  const random = prng(7);
  const sizes = [784, ...HIDDEN, 10];
  const nodes: object[] = [{ opType: 'Flatten', input: ['input'], output: ['flat'] }];
  const initializers: object[] = [];
  let x = 'flat';
  for (let i = 0; i < sizes.length - 1; i++) {
    const [fanIn, fanOut] = [sizes[i]!, sizes[i + 1]!];
    // Uniform He initialisation keeps activations finite through the ReLU stack.
    const scale = Math.sqrt(6 / fanIn);
    const w = new Float32Array(fanIn * fanOut).map(() => (random() * 2 - 1) * scale);
    initializers.push(tensor(`w${i}`, [fanIn, fanOut], w), tensor(`b${i}`, [fanOut], new Float32Array(fanOut)));
    const last = i === sizes.length - 2;
    const gemm = last ? 'logits' : `gemm${i}`;
    nodes.push({ opType: 'Gemm', input: [x, `w${i}`, `b${i}`], output: [gemm] });
    if (!last) nodes.push({ opType: 'Relu', input: [gemm], output: [`relu${i}`] });
    x = `relu${i}`;
  }
  const Model = onnx.lookupType('ModelProto');
  const graph = { name: 'bench_mlp', node: nodes, initializer: initializers, input: [valueInfo('input', ['N', 1, 28, 28])], output: [valueInfo('logits', ['N', 10])] };
  return Model.encode(Model.fromObject({ irVersion: 8, producerName: 'modelship-bench', opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

const CONFIG = `name: "${MLP_NAME}"
platform: "onnxruntime_onnx"
max_batch_size: 64
input [ { name: "input" data_type: TYPE_FP32 dims: [ 1, 28, 28 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] } ]
dynamic_batching { DYNAMIC_BATCHING }
`;

/** Writes `<root>/mlp/{config.pbtxt,1/model.onnx}` (default root `<tmp>/modelship-bench-repository`), with extra config text and dynamic_batching fields; returns the repository folder. */
export function writeMlpRepository(root = join(tmpdir(), 'modelship-bench-repository'), extraConfig = '', dynamicBatching = ''): string {
  mkdirSync(join(root, MLP_NAME, '1'), { recursive: true });
  writeFileSync(join(root, MLP_NAME, 'config.pbtxt'), CONFIG.replace('DYNAMIC_BATCHING', dynamicBatching) + extraConfig);
  writeFileSync(join(root, MLP_NAME, '1', 'model.onnx'), mlpOnnx());
  return root;
}
