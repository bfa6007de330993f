import type { TensorBuffer, TensorMap } from '../engine.js';
import { ModelshipError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';

function invalid(field: string, message: string): ModelshipError {
  return new ModelshipError('INPUT_INVALID', message, { details: { field } });
}

/**
 * The manifest's inputs picked from `feeds`, in manifest order, each checked against its
 * declared shape before it is sent anywhere; returns them with the shared batch size.
 */
export function checkFeeds(feeds: TensorMap, manifest: Manifest): { inputs: Record<string, TensorBuffer>; batch: number } {
  const inputs: Record<string, TensorBuffer> = {};
  let batch: number | undefined;
  for (const spec of manifest.inputs) {
    const field = `feeds.${spec.name}`;
    const tensor = feeds?.[spec.name];
    if (!tensor || !(tensor.data instanceof Float32Array) || !Array.isArray(tensor.dims)) {
      throw invalid(field, `${field} is missing or not a { data: Float32Array, dims } tensor`);
    }
    const { data, dims } = tensor;
    const fits = dims.length === spec.shape.length && dims.every((d, i) => Number.isSafeInteger(d) && d > 0 && (spec.shape[i] === -1 || spec.shape[i] === d));
    if (!fits) throw invalid(field, `${field} has dims ${JSON.stringify(dims)}; the model takes ${JSON.stringify(spec.shape)}`);
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw invalid(field, `${field} has ${data.length} values; dims ${JSON.stringify(dims)} hold ${count}`);
    if (batch !== undefined && dims[0] !== batch) throw invalid(field, `${field} has batch ${dims[0]}; other inputs have ${batch}`);
    batch = dims[0]!;
    inputs[spec.name] = tensor;
  }
  return { inputs, batch: batch ?? 1 };
}
