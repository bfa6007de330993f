import type { TensorBuffer } from '../engine.js';
import { ModelshipError, asModelshipError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';
import { isDrawable, readDrawable, type InputScratch } from './drawable.js';
import type { RgbaImage } from './grey-image.js';
import { checkImageSize, checkRgba, describe, invalidInput, readPreprocessed, readPreprocessedInto } from './input-checks.js';
import { preprocessMnist } from './mnist.js';
import { rgbaToGrey } from './pixels.js';

export type { InputScratch } from './drawable.js';

/**
 * What `predict` accepts: already-preprocessed values (width·height of them, flat), or a picture
 * that modelship preprocesses per the manifest.
 */
export type ModelInput = Float32Array | number[] | ImageData | HTMLCanvasElement | OffscreenCanvas | ImageBitmap | RgbaImage;

export const DEFAULT_MAX_BATCH = 1024;

const ACCEPTED =
  'a Float32Array or number[] of preprocessed values, an ImageData or { data: Uint8ClampedArray, width, height }, ' +
  'a canvas, an OffscreenCanvas or an ImageBitmap';

/** One input as the model's flat input tensor for one sample. Always a fresh array the caller may transfer. */
export function toInputTensor(input: ModelInput, manifest: Manifest, scratch: InputScratch = {}): Float32Array {
  return readInput(input, manifest, 'input', scratch);
}

export interface BatchOptions {
  maxBatch?: number;
  scratch?: InputScratch;
}

export function toBatchTensor(inputs: ModelInput[], manifest: Manifest, options: BatchOptions = {}): TensorBuffer {
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Array.isArray(inputs)) throw invalidInput('inputs', `inputs is ${describe(inputs)}; expected an array of inputs`);
  if (inputs.length === 0) throw invalidInput('inputs', 'inputs is empty; expected at least one input');
  if (inputs.length > maxBatch) {
    throw invalidInput('inputs', `inputs has ${inputs.length} items; the largest batch is ${maxBatch}`, {
      received: inputs.length,
      maxBatch,
    });
  }
  const dims = batchDims(manifest, inputs.length);
  const size = manifest.preprocessing.width * manifest.preprocessing.height;
  const data = new Float32Array(inputs.length * size);
  const scratch = options.scratch ?? {};
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    const field = `inputs[${i}]`;
    // Preprocessed rows are checked straight into the batch; pictures are preprocessed, then copied in.
    if (input instanceof Float32Array || Array.isArray(input)) guarded(() => readPreprocessedInto(input, manifest.preprocessing, field, data, i * size), field);
    else data.set(readInput(input, manifest, field, scratch), i * size);
  }
  return { data, dims };
}

/** The model input's dimensions for `batch` samples, e.g. [batch, 1, 28, 28]. */
export function batchDims(manifest: Manifest, batch: number): number[] {
  const spec = manifest.inputs[0];
  const sample = spec?.shape.slice(1) ?? [];
  const size = sample.reduce((a, b) => a * b, 1);
  const { width, height } = manifest.preprocessing;
  if (!spec || size !== width * height) {
    throw new ModelshipError(
      'MANIFEST_INVALID',
      `inputs[0].shape ${JSON.stringify(spec?.shape)} does not hold one ${width}×${height} image per sample`,
      { details: { field: 'inputs[0].shape' } },
    );
  }
  return [batch, ...sample];
}

/** A getter that throws or a Proxy's trap is bad input too: INPUT_INVALID naming the element, not a raw TypeError. */
function readInput(input: unknown, manifest: Manifest, field: string, scratch: InputScratch): Float32Array {
  return guarded(() => readInputOrThrow(input, manifest, field, scratch), field);
}

function guarded<T>(read: () => T, field: string): T {
  try {
    return read();
  } catch (error) {
    throw asModelshipError(error, 'INPUT_INVALID', `${field} could not be read`, { field });
  }
}

function readInputOrThrow(input: unknown, manifest: Manifest, field: string, scratch: InputScratch): Float32Array {
  const spec = manifest.preprocessing;
  if (input instanceof Float32Array || Array.isArray(input)) return readPreprocessed(input, spec, field);
  if (isDrawable(input)) {
    checkImageSize(input.width, input.height, field);
    return preprocessMnist(rgbaToGrey(readDrawable(input, field, scratch)), spec);
  }
  if (typeof input === 'object' && input !== null && 'data' in input && 'width' in input && 'height' in input) {
    return preprocessMnist(rgbaToGrey(checkRgba(input, field)), spec);
  }
  throw invalidInput(field, `${field} is ${describe(input)}; expected ${ACCEPTED}`);
}
