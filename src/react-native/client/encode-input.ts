import { ModelshipError } from '../../errors.js';
import type { WireInput } from '../protocol.js';
import { float32ToBase64 } from '../wire/base64.js';

/** What the app passes: preprocessed values (e.g. 784 floats), or a picture as a data:image/… URL (e.g. a PNG from a canvas library or a camera). */
export type AppInput = Float32Array | readonly number[] | { image: string };

export function encodeInput(input: AppInput, field: string): WireInput {
  if (input instanceof Float32Array || Array.isArray(input)) return { float32: float32ToBase64(input as Float32Array | number[]) };
  if (typeof input === 'object' && input !== null && typeof (input as { image?: unknown }).image === 'string') {
    const image = (input as { image: string }).image;
    if (!image.startsWith('data:image/'))
      throw new ModelshipError('INPUT_INVALID', `${field}.image must be a data:image/… URL`, { details: { field: `${field}.image` } });
    return { image };
  }
  throw new ModelshipError('INPUT_INVALID', `${field} must be a Float32Array, a number[] or { image: data URL }`, { details: { field } });
}
