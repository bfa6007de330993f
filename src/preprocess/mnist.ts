import type { Preprocessing } from '../manifest/types.js';
import type { GreyImage } from './grey-image.js';
import { inkBounds, toInk, type Box } from './ink.js';
import { axisTaps, resample2d } from './resample.js';

/**
 * MNIST-style preprocessing of a picture of one digit, of any size: ink made 1 on a 0
 * background, cropped to the ink, scaled so its longer side is `fitBox` (aspect kept,
 * anti-aliased), placed in a `width`×`height` field with its centre of mass at the centre,
 * then normalised with (x - mean) / std. A blank picture gives the normalised zero image.
 */
export function preprocessMnist(image: GreyImage, spec: Preprocessing): Float32Array {
  const field = new Float32Array(spec.width * spec.height);
  const ink = toInk(image, spec.invert);
  const box = ink && inkBounds(ink, image.width, image.height);
  if (ink && box) field.set(placeInk(crop(ink, image.width, box), box, spec));
  for (let i = 0; i < field.length; i++) field[i] = (field[i]! - spec.mean) / spec.std;
  return field;
}

function crop(ink: Float32Array, width: number, box: Box): Float32Array {
  const out = new Float32Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.y0 + y) * width + box.x0;
    out.set(ink.subarray(from, from + box.width), y * box.width);
  }
  return out;
}

/**
 * Resamples the crop straight into the field at a sub-pixel offset, rather than scaling first
 * and shifting by whole pixels afterwards as the original MNIST did: the centre of mass lands
 * on the centre instead of up to half a pixel off, and there is one resampling, not two.
 */
function placeInk(patch: Float32Array, box: Box, spec: Preprocessing): Float32Array {
  const scale = spec.fitBox / Math.max(box.width, box.height);
  const [offsetX, offsetY] = spec.centerOfMass
    ? massOffsets(patch, box, scale, spec)
    : [(spec.width - box.width * scale) / 2, (spec.height - box.height * scale) / 2];
  const xTaps = axisTaps(box.width, spec.width, scale, offsetX);
  const yTaps = axisTaps(box.height, spec.height, scale, offsetY);
  return resample2d(patch, box.width, box.height, xTaps, yTaps);
}

function massOffsets(patch: Float32Array, box: Box, scale: number, spec: Preprocessing): [number, number] {
  const [cx, cy] = centreOfMass(patch, box.width, box.height);
  return [
    fitOffset(fieldCentre(spec.width) - cx * scale, box.width * scale, spec.width),
    fitOffset(fieldCentre(spec.height) - cy * scale, box.height * scale, spec.height),
  ];
}

/**
 * MNIST put the centre of mass on pixel (14, 14) of 28×28, counting from 0: the middle of that
 * pixel, half a pixel right of and below the field's geometric centre. Models trained on MNIST
 * expect exactly that, so it is matched here (for an odd size it is the middle pixel anyway).
 */
export function fieldCentre(size: number): number {
  return Math.floor(size / 2) + 0.5;
}

/** Keeps the scaled patch inside the field when centring by mass would push part of it out. */
function fitOffset(wanted: number, extent: number, fieldSize: number): number {
  const room = fieldSize - extent;
  if (room < 0) return room / 2;
  return Math.min(room, Math.max(0, wanted));
}

/** In crop coordinates, where pixel i spans [i, i + 1). */
function centreOfMass(patch: Float32Array, width: number, height: number): [number, number] {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = patch[y * width + x]!;
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return [sx / mass, sy / mass];
}
