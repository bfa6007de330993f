import { ModelshipError, type ModelInput } from 'modelship';
import type { WireInput } from '../protocol.js';
import { base64ToFloat32 } from '../wire/base64.js';

/** A wire input as something `predict` accepts: preprocessed floats, or a decoded picture (preprocessed by the library). */
export async function decodeInput(input: WireInput, field: string): Promise<ModelInput> {
  if ('float32' in input) {
    let values: Float32Array | undefined;
    try {
      values = base64ToFloat32(input.float32);
    } catch (cause) {
      throw new ModelshipError('INPUT_INVALID', `${field}.float32 is not valid base64`, { cause, details: { field: `${field}.float32` } });
    }
    if (!values) throw new ModelshipError('INPUT_INVALID', `${field}.float32 does not hold whole float32 values`, { details: { field: `${field}.float32` } });
    return values;
  }
  try {
    // fetch() decodes data: URLs without a network request; createImageBitmap decodes PNG/JPEG/WebP off the DOM.
    const blob = await (await fetch(input.image)).blob();
    return await createImageBitmap(blob);
  } catch (cause) {
    throw new ModelshipError('INPUT_INVALID', `${field}.image could not be decoded as a picture`, { cause, details: { field: `${field}.image` } });
  }
}
