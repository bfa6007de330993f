/**
 * The deployed MNIST CNN (net.py after BN folding: conv3x3 1→16 + ReLU + maxpool2, conv3x3 16→32 +
 * ReLU + maxpool2, fc 1568→64 + ReLU, fc 64→10) as a TF Lite graph, from the exported fp32 ONNX
 * weights. TF Lite is NHWC where ONNX is NCHW: filters go OIHW → OHWI, and fc1's columns are
 * permuted because flattening (c, h, w) and (h, w, c) orders the 1,568 features differently.
 * With one input channel, NCHW [n,1,28,28] and NHWC [n,28,28,1] are the same bytes, so the app's
 * input needs no transpose.
 */
import { Activation, type GraphSpec, Op, Padding, type TensorSpec } from './flatbuffer.js';
import type { Weight } from './onnx-weights.js';

function get(weights: Map<string, Weight>, name: string, dims: number[]): Float32Array {
  const w = weights.get(name);
  if (!w) throw new Error(`the ONNX model has no initializer ${name}`);
  if (w.dims.join('x') !== dims.join('x')) throw new Error(`${name} is ${w.dims.join('x')}, expected ${dims.join('x')}`);
  return w.data;
}

/** OIHW → OHWI. */
function toOhwi(w: Float32Array, o: number, i: number, h: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let c = 0; c < i; c++)
      for (let y = 0; y < h; y++) for (let x = 0; x < k; x++) out[((a * h + y) * k + x) * i + c] = w[((a * i + c) * h + y) * k + x]!;
  return out;
}

/** fc1 columns from PyTorch's (c, h, w) flattening to TF Lite's (h, w, c). */
function toHwcColumns(w: Float32Array, rows: number, c: number, h: number, wd: number): Float32Array {
  const out = new Float32Array(w.length);
  const cols = c * h * wd;
  for (let r = 0; r < rows; r++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) out[r * cols + (y * wd + x) * c + ch] = w[r * cols + (ch * h + y) * wd + x]!;
  return out;
}

export function mnistCnnGraph(weights: Map<string, Weight>, description: string): GraphSpec {
  const c1 = 16;
  const c2 = 32;
  const hid = 64;
  const flat = c2 * 7 * 7;
  const act = (name: string, shape: number[]): TensorSpec => ({ name, shape: [1, ...shape], signature: [-1, ...shape] });
  const tensors: TensorSpec[] = [
    act('input', [28, 28, 1]), // 0
    { name: 'conv1.weight', shape: [c1, 3, 3, 1], data: toOhwi(get(weights, 'conv1.weight', [c1, 1, 3, 3]), c1, 1, 3, 3) }, // 1
    { name: 'conv1.bias', shape: [c1], data: get(weights, 'conv1.bias', [c1]) }, // 2
    act('conv1', [28, 28, c1]), // 3
    act('pool1', [14, 14, c1]), // 4
    { name: 'conv2.weight', shape: [c2, 3, 3, c1], data: toOhwi(get(weights, 'conv2.weight', [c2, c1, 3, 3]), c2, c1, 3, 3) }, // 5
    { name: 'conv2.bias', shape: [c2], data: get(weights, 'conv2.bias', [c2]) }, // 6
    act('conv2', [14, 14, c2]), // 7
    act('pool2', [7, 7, c2]), // 8
    { name: 'flatten.shape', shape: [2], type: 'int32', data: Int32Array.from([-1, flat]) }, // 9
    act('flatten', [flat]), // 10
    { name: 'fc1.weight', shape: [hid, flat], data: toHwcColumns(get(weights, 'fc1.weight', [hid, flat]), hid, c2, 7, 7) }, // 11
    { name: 'fc1.bias', shape: [hid], data: get(weights, 'fc1.bias', [hid]) }, // 12
    act('fc1', [hid]), // 13
    { name: 'fc2.weight', shape: [10, hid], data: get(weights, 'fc2.weight', [10, hid]) }, // 14
    { name: 'fc2.bias', shape: [10], data: get(weights, 'fc2.bias', [10]) }, // 15
    act('logits', [10]), // 16
  ];
  const pool = { padding: Padding.VALID, stride: 2, filter: 2, activation: Activation.NONE };
  return {
    tensors,
    inputs: [0],
    outputs: [16],
    description,
    operators: [
      { op: Op.CONV_2D, inputs: [0, 1, 2], outputs: [3], padding: Padding.SAME, stride: 1, activation: Activation.RELU },
      { op: Op.MAX_POOL_2D, inputs: [3], outputs: [4], ...pool },
      { op: Op.CONV_2D, inputs: [4, 5, 6], outputs: [7], padding: Padding.SAME, stride: 1, activation: Activation.RELU },
      { op: Op.MAX_POOL_2D, inputs: [7], outputs: [8], ...pool },
      { op: Op.RESHAPE, inputs: [8, 9], outputs: [10], newShape: [-1, flat] },
      { op: Op.FULLY_CONNECTED, inputs: [10, 11, 12], outputs: [13], activation: Activation.RELU },
      { op: Op.FULLY_CONNECTED, inputs: [13, 14, 15], outputs: [16], activation: Activation.NONE },
    ],
  };
}
