import type { RgbaImage } from './grey-image.js';
import { invalidInput } from './input-checks.js';

export type Drawable = HTMLCanvasElement | OffscreenCanvas | ImageBitmap;

/** Reused between calls so a stream of predictions does not allocate a canvas each time. */
export interface InputScratch {
  canvas?: OffscreenCanvas | HTMLCanvasElement;
}

type Context2d = Pick<CanvasRenderingContext2D, 'clearRect' | 'drawImage' | 'getImageData'>;

// Globals are looked up when called, not at import, so this module loads in Node.
function isInstance(value: unknown, globalName: string): boolean {
  const ctor = (globalThis as Record<string, unknown>)[globalName];
  return typeof ctor === 'function' && value instanceof ctor;
}

export function isDrawable(value: unknown): value is Drawable {
  return isInstance(value, 'HTMLCanvasElement') || isInstance(value, 'OffscreenCanvas') || isInstance(value, 'ImageBitmap');
}

/**
 * Draws the source onto a scratch 2D canvas and reads its pixels. Drawing rather than asking the
 * source for its own 2D context also covers WebGL canvases and ImageBitmaps, which have none.
 */
export function readDrawable(source: Drawable, field: string, scratch: InputScratch): RgbaImage {
  const { width, height } = source;
  const context = scratchContext(width, height, field, scratch);
  context.clearRect(0, 0, width, height);
  context.drawImage(source, 0, 0);
  try {
    return context.getImageData(0, 0, width, height);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    // The usual reason is a canvas tainted by a cross-origin image, which the browser will not read back.
    throw invalidInput(field, `${field} cannot be read: ${reason}`, {}, cause);
  }
}

function scratchContext(width: number, height: number, field: string, scratch: InputScratch): Context2d {
  scratch.canvas ??= createCanvas(field);
  const canvas = scratch.canvas;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const context = (canvas as OffscreenCanvas).getContext('2d', { willReadFrequently: true }) as Context2d | null;
  if (!context) throw invalidInput(field, `${field} cannot be read: no 2D canvas context is available here`);
  return context;
}

function createCanvas(field: string): OffscreenCanvas | HTMLCanvasElement {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1);
  if (typeof document !== 'undefined') return document.createElement('canvas');
  throw invalidInput(field, `${field} cannot be read: neither OffscreenCanvas nor document is available here`);
}
