import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Preprocessing } from '../../src/manifest/types.js';
import type { GreyImage, RgbaImage } from '../../src/preprocess/grey-image.js';
import { preprocessMnist } from '../../src/preprocess/mnist.js';
import { rgbaToGrey } from '../../src/preprocess/pixels.js';

// mean 0 / std 1 so the output is the ink itself; normalisation has its own test.
const SPEC: Preprocessing = { kind: 'mnist', width: 28, height: 28, fitBox: 20, invert: 'auto', centerOfMass: true, mean: 0, std: 1 };

/** Ink coverage of a "9": a ring with a stem, in a `scale`-sized box whose top-left is (left, top). */
function nineInk(x: number, y: number, left: number, top: number, scale: number): number {
  const u = (x - left) / scale;
  const v = (y - top) / scale;
  const ring = Math.abs(Math.hypot(u - 0.5, v - 0.3) - 0.25) < 0.06;
  const stem = Math.abs(u - 0.74) < 0.06 && v > 0.3 && v < 1;
  return ring || stem ? 1 : 0;
}

function paint(width: number, height: number, inkAt: (x: number, y: number) => number, paper: number, pen: number): GreyImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = inkAt(x + 0.5, y + 0.5);
      data[y * width + x] = paper + (pen - paper) * ink;
    }
  }
  return { data, width, height };
}

function stats(field: Float32Array, size = 28): { mass: number; cx: number; cy: number; box: [number, number] } {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  let [x0, x1, y0, y1] = [size, -1, size, -1];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = field[y * size + x]!;
      mass += v;
      sx += v * x;
      sy += v * y;
      if (v >= 0.1) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
    }
  }
  return { mass, cx: sx / mass, cy: sy / mass, box: [x1 - x0 + 1, y1 - y0 + 1] };
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);
}

describe('preprocessMnist', () => {
  const drawnLarge = paint(600, 400, (x, y) => nineInk(x, y, 30, 20, 300), 1, 0);
  const field = preprocessMnist(drawnLarge, SPEC);

  it('turns a large dark-on-white digit drawn off-centre into bright ink on black', () => {
    assert.equal(field.length, 784);
    assert.ok(Math.max(...field) > 0.99, 'ink reaches 1');
    for (const corner of [0, 27, 27 * 28, 783]) assert.equal(field[corner], 0);
  });

  it('puts the centre of mass on pixel (14, 14), as MNIST does, within half a pixel', () => {
    const { cx, cy } = stats(field);
    assert.ok(Math.abs(cx - 14) < 0.5, `cx ${cx}`);
    assert.ok(Math.abs(cy - 14) < 0.5, `cy ${cy}`);
  });

  it('scales the longer side of the ink to the 20 px box', () => {
    const { box } = stats(field);
    const longer = Math.max(...box);
    assert.ok(longer >= 19 && longer <= 21, `longer side ${longer}`);
  });

  it('keeps the aspect ratio of a tall, thin "1"', () => {
    const one = preprocessMnist(paint(280, 280, (x, y) => (Math.abs(x - 200) < 10 && y > 40 && y < 240 ? 1 : 0), 1, 0), SPEC);
    const { box, cx } = stats(one);
    assert.ok(box[1] >= 19 && box[1] <= 21, `height ${box[1]}`);
    assert.ok(box[0] >= 2 && box[0] <= 3, `width ${box[0]} (20/200 of 20 px is 2 px)`);
    assert.ok(Math.abs(cx - 14) < 0.5);
  });

  it('upscales a small digit (bilinear) to the same place and size', () => {
    const small = preprocessMnist(paint(12, 12, (x, y) => nineInk(x, y, 1, 1, 10), 1, 0), SPEC);
    const { cx, cy, box } = stats(small);
    assert.ok(Math.abs(cx - 14) < 0.5 && Math.abs(cy - 14) < 0.5, `${cx}, ${cy}`);
    assert.ok(Math.max(...box) >= 19 && Math.max(...box) <= 21, `box ${box}`);
  });

  it('centres the bounding box instead when centerOfMass is off', () => {
    const boxed = preprocessMnist(paint(100, 100, (x, y) => (x > 10 && x < 30 && y > 10 && y < 70 ? 1 : 0), 1, 0), {
      ...SPEC,
      centerOfMass: false,
    });
    // A 20×60 block becomes 6.67×20: rows 4..23, columns from 10.67 to 17.33.
    assert.equal(boxed[3 * 28 + 14], 0);
    assert.ok(boxed[4 * 28 + 14]! > 0.99 && boxed[23 * 28 + 14]! > 0.99);
    assert.equal(boxed[24 * 28 + 14], 0);
    assert.ok(Math.abs(boxed[14 * 28 + 10]! - boxed[14 * 28 + 17]!) < 1e-6, 'symmetric about the centre');
  });

  it('inverts automatically: light-on-dark and dark-on-light give the same digit', () => {
    const lightOnDark = preprocessMnist(paint(600, 400, (x, y) => nineInk(x, y, 30, 20, 300), 0, 1), SPEC);
    assert.ok(maxDifference(field, lightOnDark) < 1e-5);
  });

  it('reads grey pencil on grey paper as full-strength ink on black', () => {
    const pencil = preprocessMnist(paint(600, 400, (x, y) => nineInk(x, y, 30, 20, 300), 0.8, 0.4), SPEC);
    assert.ok(maxDifference(field, pencil) < 1e-4);
  });

  it('honours invert: always / never', () => {
    const forced = preprocessMnist(drawnLarge, { ...SPEC, invert: 'always' });
    assert.ok(maxDifference(field, forced) < 1e-6);
    const lightOnDark = paint(600, 400, (x, y) => nineInk(x, y, 30, 20, 300), 0, 1);
    assert.ok(maxDifference(field, preprocessMnist(lightOnDark, { ...SPEC, invert: 'never' })) < 1e-5);
  });

  it('returns the normalised zero image for a blank picture, of either colour', () => {
    const spec = { ...SPEC, mean: 0.1307, std: 0.3081 };
    const zero = -0.1307 / 0.3081;
    for (const paper of [0, 1, 0.5]) {
      const blank = preprocessMnist(paint(50, 30, () => 0, paper, paper), spec);
      assert.ok(blank.every((v) => Math.abs(v - zero) < 1e-6), `paper ${paper}`);
    }
  });

  it('ignores faint noise when cropping', () => {
    const noisy = paint(600, 400, (x, y) => nineInk(x, y, 30, 20, 300) || (x < 5 && y > 380 ? 0.05 : 0), 1, 0);
    assert.ok(maxDifference(field, preprocessMnist(noisy, SPEC)) < 1e-3);
  });

  it('normalises with (x - mean) / std', () => {
    const normalised = preprocessMnist(drawnLarge, { ...SPEC, mean: 0.5, std: 0.25 });
    assert.ok(normalised.every((v, i) => Math.abs(v - (field[i]! - 0.5) / 0.25) < 1e-5));
  });
});

describe('rgbaToGrey', () => {
  function rgba(width: number, height: number, pixel: (ink: number) => [number, number, number, number]): RgbaImage {
    const data = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data.set(pixel(nineInk(x + 0.5, y + 0.5, 30, 20, 300)), (y * width + x) * 4);
    }
    return { data, width, height };
  }
  const expected = preprocessMnist(paint(360, 340, (x, y) => nineInk(x, y, 30, 20, 300), 1, 0), SPEC);

  it('uses Rec. 601 luminance', () => {
    const grey = rgbaToGrey({ data: Uint8ClampedArray.of(255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255), width: 3, height: 1 });
    assert.deepEqual([...grey.data].map((v) => v.toFixed(3)), ['0.299', '0.587', '0.114']);
  });

  it('treats a transparent background as paper behind black strokes', () => {
    const pad = rgba(360, 340, (ink) => (ink ? [0, 0, 0, 255] : [0, 0, 0, 0]));
    assert.ok(maxDifference(expected, preprocessMnist(rgbaToGrey(pad), SPEC)) < 1e-5);
  });

  it('keeps white strokes on a transparent background visible', () => {
    const pad = rgba(360, 340, (ink) => (ink ? [255, 255, 255, 255] : [255, 255, 255, 0]));
    assert.ok(maxDifference(expected, preprocessMnist(rgbaToGrey(pad), SPEC)) < 1e-5);
  });

  it('reads an all-transparent pad as blank', () => {
    const blank = preprocessMnist(rgbaToGrey(rgba(40, 40, () => [0, 0, 0, 0])), SPEC);
    assert.ok(blank.every((v) => v === 0));
  });
});
