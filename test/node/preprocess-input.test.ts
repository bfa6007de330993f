import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import type { Manifest } from '../../src/manifest/types.js';
import { MAX_IMAGE_SIDE } from '../../src/preprocess/input-checks.js';
import { batchDims, toBatchTensor, toInputTensor, type ModelInput } from '../../src/preprocess/input.js';

const MEAN = 0.1307;
const STD = 0.3081;

const MANIFEST: Manifest = {
  schemaVersion: 1,
  name: 'mnist',
  version: '1.0.0',
  task: 'image-classification',
  purpose: 'Reads one handwritten digit.',
  inputFormat: 'One digit, dark on light or light on dark.',
  labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  inputs: [{ name: 'input', dtype: 'float32', shape: [-1, 1, 28, 28] }],
  outputs: [{ name: 'logits', dtype: 'float32', shape: [-1, 10], kind: 'logits' }],
  preprocessing: { kind: 'mnist', width: 28, height: 28, fitBox: 20, invert: 'auto', centerOfMass: true, mean: MEAN, std: STD },
  variants: [],
  golden: [],
  lineage: {
    data: { source: 'test', split: 'test', trainCount: 0, testCount: 0 },
    code: { revision: 'test', entry: 'test' },
    training: {},
    createdAt: '2025-01-01T00:00:00Z',
  },
};

const ZERO = -MEAN / STD;

function assertInvalid(run: () => unknown, field: string, messagePart: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isModelshipError(error, 'INPUT_INVALID'), `INPUT_INVALID, got ${String(error)}`);
    assert.equal(error.details.field, field);
    assert.match(error.message, messagePart);
    assert.ok(error.message.includes(field), `message names ${field}: ${error.message}`);
    return true;
  });
}

function whitePad(width: number, height: number): { data: Uint8ClampedArray; width: number; height: number } {
  return { data: new Uint8ClampedArray(width * height * 4).fill(255), width, height };
}

describe('toInputTensor', () => {
  it('accepts 784 preprocessed numbers and returns a copy', () => {
    const values = new Float32Array(784).fill(ZERO);
    const tensor = toInputTensor(values, MANIFEST);
    assert.equal(tensor.length, 784);
    assert.notEqual(tensor, values, 'a copy: the caller may transfer it to a worker');
    assert.deepEqual([...toInputTensor(Array.from(values), MANIFEST)], [...values]);
  });

  it('preprocesses an ImageData-like picture', () => {
    const pad = whitePad(60, 60);
    for (let y = 10; y < 50; y++) pad.data.fill(0, (y * 60 + 28) * 4, (y * 60 + 32) * 4 - 1);
    const tensor = toInputTensor(pad, MANIFEST);
    assert.equal(tensor.length, 784);
    assert.ok(Math.max(...tensor) > (0.99 - MEAN) / STD);
  });

  it('rejects values that are not an input at all, naming the field', () => {
    for (const bad of [null, undefined, 'digit.png', 42, {}, { width: 28 }, new Float64Array(784), new Uint8ClampedArray(784 * 4)]) {
      assertInvalid(() => toInputTensor(bad as unknown as ModelInput, MANIFEST), 'input', /expected a Float32Array/);
    }
  });

  it('rejects the wrong number of values', () => {
    assertInvalid(() => toInputTensor(new Float32Array(783), MANIFEST), 'input', /783 values; expected 784/);
    assertInvalid(() => toInputTensor(new Array(785).fill(0), MANIFEST), 'input', /785 values/);
  });

  it('rejects NaN, Infinity and non-numbers, naming the index', () => {
    const withNaN = new Array(784).fill(0);
    withNaN[3] = Number.NaN;
    assertInvalid(() => toInputTensor(withNaN, MANIFEST), 'input[3]', /NaN/);
    const withInfinity = new Float32Array(784);
    withInfinity[700] = Number.POSITIVE_INFINITY;
    assertInvalid(() => toInputTensor(withInfinity, MANIFEST), 'input[700]', /Infinity/);
    const withString = new Array(784).fill(0);
    withString[5] = '0.5';
    assertInvalid(() => toInputTensor(withString, MANIFEST), 'input[5]', /a string/);
    const nested = [new Array(784).fill(0)];
    assertInvalid(() => toInputTensor(nested as unknown as number[], MANIFEST), 'input', /1 values/);
  });

  it('rejects raw 0..255 pixels passed as preprocessed values', () => {
    const raw = new Array(784).fill(0);
    raw[10] = 255;
    assertInvalid(() => toInputTensor(raw, MANIFEST), 'input[10]', /outside \[-\d\.\d+, \d\.\d+\]/);
    // Values the normalisation can produce pass, with room for another resampler's overshoot.
    assert.doesNotThrow(() => toInputTensor(new Array(784).fill((1.05 - MEAN) / STD), MANIFEST));
  });

  it('rejects images of no size, too large, or with the wrong bytes', () => {
    assertInvalid(() => toInputTensor({ data: new Uint8ClampedArray(0), width: 0, height: 0 }, MANIFEST), 'input', /empty \(0×0/);
    const wide = MAX_IMAGE_SIDE + 1;
    assertInvalid(() => toInputTensor(whitePad(wide, 1), MANIFEST), 'input', new RegExp(`${wide}×1 pixels; the largest`));
    assertInvalid(() => toInputTensor({ data: new Uint8ClampedArray(10), width: 2, height: 2 }, MANIFEST), 'input.data', /10 bytes/);
    const floats = { data: new Float32Array(16), width: 2, height: 2 } as unknown as ModelInput;
    assertInvalid(() => toInputTensor(floats, MANIFEST), 'input.data', /Float32Array; expected RGBA bytes/);
    assertInvalid(() => toInputTensor({ data: new Uint8ClampedArray(16), width: 2.5, height: 2 }, MANIFEST), 'input.width', /whole number/);
  });

  it('reads a blank pad as the zero image rather than failing', () => {
    const tensor = toInputTensor(whitePad(100, 80), MANIFEST);
    assert.ok(tensor.every((v) => Math.abs(v - ZERO) < 1e-6));
  });
});

describe('toInputTensor with canvases (a stand-in OffscreenCanvas: Node has none)', () => {
  /** Just enough of OffscreenCanvas: drawing another one copies its pixels. */
  class FakeCanvas {
    pixels: Uint8ClampedArray;
    taint = false;
    constructor(
      public width: number,
      public height: number,
    ) {
      this.pixels = new Uint8ClampedArray(width * height * 4).fill(255);
    }
    getContext(): unknown {
      return {
        clearRect: () => this.pixels.fill(0),
        drawImage: (source: FakeCanvas) => {
          this.taint = source.taint;
          this.pixels = source.pixels.slice();
        },
        getImageData: (_x: number, _y: number, width: number, height: number) => {
          if (this.taint) throw new Error('The canvas has been tainted by cross-origin data.');
          return { data: this.pixels, width, height };
        },
      };
    }
  }

  function withFakeCanvas(run: () => void): void {
    const had = 'OffscreenCanvas' in globalThis;
    (globalThis as Record<string, unknown>).OffscreenCanvas = FakeCanvas;
    try {
      run();
    } finally {
      if (!had) delete (globalThis as Record<string, unknown>).OffscreenCanvas;
    }
  }

  it('reads a canvas through a reused scratch canvas', () => {
    withFakeCanvas(() => {
      const pad = new FakeCanvas(40, 40);
      for (let y = 5; y < 35; y++) pad.pixels.fill(0, (y * 40 + 18) * 4, (y * 40 + 22) * 4 - 1);
      const scratch = {};
      const first = toInputTensor(pad as unknown as OffscreenCanvas, MANIFEST, scratch);
      const second = toInputTensor(pad as unknown as OffscreenCanvas, MANIFEST, scratch);
      assert.ok(Math.max(...first) > (0.99 - MEAN) / STD, 'the stroke was read');
      assert.deepEqual(first, second);
      assert.ok((scratch as { canvas?: unknown }).canvas instanceof FakeCanvas);
    });
  });

  it('names a canvas that cannot be read back, or has no size', () => {
    withFakeCanvas(() => {
      const tainted = new FakeCanvas(10, 10);
      tainted.taint = true;
      assertInvalid(() => toInputTensor(tainted as unknown as OffscreenCanvas, MANIFEST), 'input', /cannot be read: .*tainted/);
      assertInvalid(() => toBatchTensor([new FakeCanvas(0, 5) as unknown as OffscreenCanvas], MANIFEST), 'inputs[0]', /empty \(0×5/);
    });
  });
});

describe('toBatchTensor', () => {
  const good = new Float32Array(784).fill(ZERO);

  it('stacks inputs with the manifest shape', () => {
    const batch = toBatchTensor([good, whitePad(10, 10), Array.from(good)], MANIFEST);
    assert.deepEqual(batch.dims, [3, 1, 28, 28]);
    assert.equal(batch.data.length, 3 * 784);
    assert.deepEqual(batchDims(MANIFEST, 1), [1, 1, 28, 28]);
  });

  it('names the bad item', () => {
    assertInvalid(() => toBatchTensor([good, new Float32Array(3)], MANIFEST), 'inputs[1]', /3 values/);
    const bad = Array.from(good);
    bad[4] = Number.NaN;
    assertInvalid(() => toBatchTensor([good, good, bad], MANIFEST), 'inputs[2][4]', /NaN/);
    assertInvalid(() => toBatchTensor([good, null as unknown as ModelInput], MANIFEST), 'inputs[1]', /null/);
  });

  it('rejects a missing, empty or oversized batch', () => {
    assertInvalid(() => toBatchTensor(good as unknown as ModelInput[], MANIFEST), 'inputs', /expected an array/);
    assertInvalid(() => toBatchTensor([], MANIFEST), 'inputs', /empty/);
    assertInvalid(() => toBatchTensor([good, good, good], MANIFEST, { maxBatch: 2 }), 'inputs', /3 items; the largest batch is 2/);
  });

  it('reports a manifest whose input shape cannot hold the image', () => {
    const broken: Manifest = { ...MANIFEST, inputs: [{ name: 'input', dtype: 'float32', shape: [-1, 3, 28, 28] }] };
    assert.throws(() => toBatchTensor([good], broken), (error: unknown) => isModelshipError(error, 'MANIFEST_INVALID'));
  });
});
