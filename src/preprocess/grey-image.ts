/** A single-channel image: luminance in [0, 1] (0 black, 1 white), row-major, any size. */
export interface GreyImage {
  data: Float32Array;
  width: number;
  height: number;
}

/** RGBA bytes as in `ImageData` (not premultiplied), row-major. Works without a DOM. */
export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}
