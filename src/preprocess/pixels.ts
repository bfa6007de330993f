import type { GreyImage, RgbaImage } from './grey-image.js';

/**
 * RGBA → luminance (Rec. 601: 0.299 R + 0.587 G + 0.114 B), with transparent pixels composited
 * onto a matte. The matte is white unless the visible strokes are themselves light: a drawing
 * pad with a transparent background and white ink would otherwise vanish on white paper.
 */
export function rgbaToGrey(image: RgbaImage): GreyImage {
  const { data, width, height } = image;
  const count = width * height;
  const matte = matteFor(data, count);
  const grey = new Float32Array(count);
  for (let i = 0, p = 0; i < count; i++, p += 4) {
    const alpha = data[p + 3]! / 255;
    const luminance = (0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!) / 255;
    grey[i] = luminance * alpha + matte * (1 - alpha);
  }
  return { data: grey, width, height };
}

function matteFor(data: RgbaImage['data'], count: number): number {
  let weight = 0;
  let sum = 0;
  let transparent = false;
  for (let p = 0; p < count * 4; p += 4) {
    const alpha = data[p + 3]!;
    if (alpha < 255) transparent = true;
    weight += alpha;
    sum += alpha * (0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!);
  }
  // The visible pixels of a partly transparent image are the strokes: pick the matte they
  // stand out against. On an opaque image the matte never shows.
  if (!transparent || weight === 0) return 1;
  return sum / weight / 255 > 0.5 ? 0 : 1;
}
