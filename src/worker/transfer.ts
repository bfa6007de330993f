import type { TensorMap } from '../engine.js';

export function tensorBuffers(tensors: TensorMap): ArrayBuffer[] {
  const names = Object.keys(tensors);
  // One input, the common case: no set to build on the way to every post.
  if (names.length === 1) {
    const buffer = tensors[names[0]!]!.data.buffer;
    return buffer instanceof ArrayBuffer ? [buffer] : [];
  }
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of Object.values(tensors)) {
    if (tensor.data.buffer instanceof ArrayBuffer) buffers.add(tensor.data.buffer);
  }
  return [...buffers];
}
