import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LOCAL_HEALTH, type Engine, type TensorMap } from '../../src/engine.js';
import { isModelshipError } from '../../src/errors.js';
import type { Manifest } from '../../src/manifest/types.js';
import { checkOutputs, runChecked } from '../../src/output-check.js';

const MANIFEST = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const OUT = MANIFEST.outputs[0]!.name;
const good = (rows = 1): TensorMap => ({ [OUT]: { data: new Float32Array(rows * 10).map((_, i) => i / 10), dims: [rows, 10] } });
const invalid = (problem: RegExp) => (error: unknown) => isModelshipError(error, 'OUTPUT_INVALID') && problem.test((error as Error).message);

/** An engine whose answer the test chooses: what a runtime that computes garbage looks like from outside. */
const answering = (outputs: unknown | (() => unknown)): Engine => ({
  runtime: 'onnx-wasm',
  runtimeVersion: '0',
  executionProvider: 'wasm',
  health: () => LOCAL_HEALTH,
  run: async () => (typeof outputs === 'function' ? (outputs as () => unknown)() : outputs) as TensorMap,
  dispose: async () => undefined,
});

describe('checkOutputs: the manifest decides what a valid answer is', () => {
  it('accepts finite outputs of the manifest shape for the batch asked', () => {
    checkOutputs(good(3), MANIFEST, 3, 'onnx-wasm');
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['NaN', { [OUT]: { data: Float32Array.of(...new Array(9).fill(0), NaN), dims: [1, 10] } }, /NaN at index 9/],
    ['+Infinity', { [OUT]: { data: Float32Array.of(Infinity, ...new Array(9).fill(0)), dims: [1, 10] } }, /Infinity at index 0/],
    ['-Infinity', { [OUT]: { data: Float32Array.of(0, -Infinity, ...new Array(8).fill(0)), dims: [1, 10] } }, /-Infinity at index 1/],
    ['a missing output', {}, /missing/],
    ['numbers instead of a Float32Array', { [OUT]: { data: new Array(10).fill(0), dims: [1, 10] } }, /missing or not a float32/],
    ['another batch size', good(2), /shape \[2,10\]/],
    ['another class count', { [OUT]: { data: new Float32Array(9), dims: [1, 9] } }, /shape \[1,9\]/],
    ['dims that disagree with the data', { [OUT]: { data: new Float32Array(5), dims: [1, 10] } }, /5 values/],
    ['null', null, /as null/],
  ];
  for (const [name, outputs, problem] of bad) {
    it(`refuses ${name} with OUTPUT_INVALID`, () => {
      assert.throws(() => checkOutputs(outputs, MANIFEST, 1, 'onnx-wasm'), invalid(problem));
    });
  }
});

describe('runChecked: the door every engine answer goes through', () => {
  const feeds = (): TensorMap => ({ input: { data: new Float32Array(784), dims: [1, 1, 28, 28] } });

  it('passes a good answer through untouched', async () => {
    const outputs = good();
    assert.equal(await runChecked(answering(outputs), feeds(), {}, MANIFEST), outputs);
  });

  it('turns a runtime that computes NaN into OUTPUT_INVALID', async () => {
    await assert.rejects(runChecked(answering({ [OUT]: { data: new Float32Array(10).fill(NaN), dims: [1, 10] } }), feeds(), {}, MANIFEST), invalid(/NaN/));
  });

  it("wraps a runtime's plain Error in BACKEND_UNAVAILABLE, keeping it as the cause", async () => {
    const failing = answering(() => {
      throw new TypeError('wasm trap');
    });
    await assert.rejects(runChecked(failing, feeds(), {}, MANIFEST), (error) => {
      assert.ok(isModelshipError(error, 'BACKEND_UNAVAILABLE'));
      assert.equal((error.cause as Error).message, 'wasm trap');
      return true;
    });
  });

  it('reads the batch size before the run, which may detach the feeds', async () => {
    const transferring: Engine = {
      runtime: 'onnx-wasm',
      runtimeVersion: '0',
      executionProvider: 'wasm',
      health: () => LOCAL_HEALTH,
      run: async (input) => {
        input['input']!.dims.length = 0;
        return good(2);
      },
      dispose: async () => undefined,
    };
    const two = (): TensorMap => ({ input: { data: new Float32Array(2 * 784), dims: [2, 1, 28, 28] } });
    assert.equal((await runChecked(transferring, two(), {}, MANIFEST))[OUT]!.dims[0], 2);
  });
});
