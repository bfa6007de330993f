import type { Manifest, TensorSpec } from '../manifest/types.js';
import { malformed } from './http.js';
import type { V2MetadataTensor } from './v2-wire.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Compares a V2 model metadata response with the manifest: every input and output the manifest
 * names must be there as FP32 with a compatible shape (-1 on either side matches any size).
 * A server that does not describe its tensors cannot be trusted to take ours.
 */
export function checkModelMetadata(url: string, metadata: unknown, manifest: Manifest): void {
  if (!isObject(metadata)) throw malformed(url, 'the model metadata is not a JSON object');
  for (const side of ['inputs', 'outputs'] as const) {
    const served = metadata[side];
    if (!Array.isArray(served)) throw malformed(url, `the model metadata lists no ${side}`);
    for (const spec of manifest[side]) checkTensorSpec(url, side, spec, served as V2MetadataTensor[]);
  }
}

function checkTensorSpec(url: string, side: string, spec: TensorSpec, served: V2MetadataTensor[]): void {
  const found = served.find((t) => isObject(t) && t.name === spec.name);
  const mismatch = (problem: string): Error =>
    malformed(url, `the server's model does not match the manifest: ${side} '${spec.name}' ${problem}`, {
      details: { mismatch: `${side}.${spec.name}` },
    });
  if (!found) throw mismatch(`is missing (served: ${served.map((t) => t?.name).join(', ') || 'none'})`);
  if (found.datatype !== 'FP32') throw mismatch(`is ${String(found.datatype)}, not FP32`);
  const shape = found.shape;
  const fits =
    Array.isArray(shape) && shape.length === spec.shape.length && shape.every((d, i) => d === -1 || spec.shape[i] === -1 || d === spec.shape[i]);
  if (!fits) throw mismatch(`has shape ${JSON.stringify(shape)}, the manifest ${JSON.stringify(spec.shape)}`);
}
