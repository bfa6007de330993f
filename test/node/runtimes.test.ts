import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { isModelshipError } from '../../src/errors.js';
import type { Manifest } from '../../src/manifest/types.js';
import { proveEngine } from '../../src/proof/golden.js';
import { guardDeviceLoss } from '../../src/runtimes/device-loss.js';
import { createLocalEngine } from '../../src/runtimes/local-engine.js';
import { isKnownRuntime, resolveRuntime } from '../../src/runtimes/registry.js';
import { artifactsFromFiles } from '../../src/runtimes/tfjs-artifacts.js';
import type { LoadedSession, RuntimeConfig } from '../../src/runtimes/types.js';
import { WASM_PATHS } from './helpers/static-models.js';

// Quiets tfjs's "install tfjs-node" banner (its warnings are off under IS_TEST).
tf.env().set('IS_TEST', true);

const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const tfjsVariant = manifest.variants.find((variant) => variant.id === 'tfjs-uint8')!;
const tfjsFiles = (): Uint8Array[] => tfjsVariant.files.map((file) => new Uint8Array(readFileSync(`models/mnist/${file.path}`)));
const io = { inputs: manifest.inputs.map((t) => t.name), outputs: manifest.outputs.map((t) => t.name) };
const config = (runtime: RuntimeConfig['runtime']): RuntimeConfig => ({ runtime, wasmPaths: WASM_PATHS, numThreads: 1, io });

describe('runtime registry', () => {
  it('knows every runtime name and nothing else', () => {
    for (const name of ['onnx-wasm', 'onnx-webgpu', 'tfjs-wasm', 'tfjs-webgpu', 'tfjs-webgl', 'tfjs-cpu']) assert.ok(isKnownRuntime(name), name);
    assert.equal(isKnownRuntime('onnx-webnn'), false);
    assert.equal(isKnownRuntime('toString'), false);
  });

  it('onnx-webgpu without navigator.gpu is BACKEND_UNAVAILABLE, not a crash', async () => {
    const load = await resolveRuntime('onnx-webgpu');
    await assert.rejects(load(config('onnx-webgpu'), [new Uint8Array(4)]), (error) => isModelshipError(error, 'BACKEND_UNAVAILABLE'));
  });
});

describe('tfjs-cpu (TensorFlow.js layers model from verified bytes)', () => {
  it('passes the golden proof with NCHW feeds and the manifest tensor names, and leaks no tensors', async () => {
    const engine = await createLocalEngine(config('tfjs-cpu'), tfjsFiles(), 10_000);
    try {
      const report = await proveEngine(engine, manifest, tfjsVariant);
      assert.equal(report.vectors, manifest.golden.length);
      const feeds = () => ({ input: { data: new Float32Array(2 * 784).fill(0.5), dims: [2, 1, 28, 28] } });
      const first = await engine.run(feeds());
      assert.deepEqual(first['logits']!.dims, [2, 10]);
      const tensors = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) await engine.run(feeds());
      assert.equal(tf.memory().numTensors, tensors, 'a run must dispose every tensor it creates');
    } finally {
      const before = tf.memory().numTensors;
      await engine.dispose();
      assert.ok(tf.memory().numTensors < before, 'dispose frees the weights');
    }
  });

  it('without manifest names it answers under the model’s output layer name', async () => {
    const load = await resolveRuntime('tfjs-cpu');
    const session = await load({ runtime: 'tfjs-cpu', wasmPaths: WASM_PATHS, numThreads: 1 }, tfjsFiles());
    const out = await session.run({ input: { data: new Float32Array(784), dims: [1, 1, 28, 28] } });
    assert.deepEqual(Object.keys(out), ['fc2']);
    await session.dispose();
  });
});

describe('tfjs artifacts', () => {
  it('finds the topology whatever the file order and concatenates the weights', () => {
    const [topology, weights] = tfjsFiles();
    const artifacts = artifactsFromFiles([weights!, topology!]);
    assert.equal((artifacts.weightData as ArrayBuffer).byteLength, weights!.byteLength);
    assert.equal(artifacts.weightSpecs?.length, 8);
  });

  it('rejects a variant without a model.json, or with the wrong number of weight files', () => {
    const [topology, weights] = tfjsFiles();
    assert.throws(() => artifactsFromFiles([weights!]), (error) => isModelshipError(error, 'MANIFEST_INVALID'));
    assert.throws(() => artifactsFromFiles([topology!]), /lists 1 weight files, the variant has 0/);
    assert.throws(() => artifactsFromFiles([new TextEncoder().encode('{"not":"a model"}'), weights!]), /model\.json/);
  });
});

describe('WebGPU device loss', () => {
  const session = (run: LoadedSession['run']): LoadedSession => ({ runtime: 'onnx-webgpu', runtimeVersion: 'x', executionProvider: 'webgpu', run, dispose: async () => undefined });
  const ok = async () => ({ logits: { data: new Float32Array(10), dims: [1, 10] } });

  it('rejects the run in flight and every later run with BACKEND_UNAVAILABLE, reason device-lost', async () => {
    let lose!: (info: { reason: string; message: string }) => void;
    const device = { lost: new Promise<{ reason: string; message: string }>((resolve) => (lose = resolve)) };
    let finish!: () => void;
    const slow = () => new Promise<Awaited<ReturnType<typeof ok>>>((resolve) => (finish = () => void ok().then(resolve)));
    let calls = 0;
    const guarded = guardDeviceLoss(session(() => (++calls === 1 ? ok() : slow())), device);
    assert.deepEqual((await guarded.run({}))['logits']!.dims, [1, 10]);
    const inFlight = guarded.run({});
    lose({ reason: 'unknown', message: 'GPU process crashed' });
    const isLost = (error: unknown) => isModelshipError(error, 'BACKEND_UNAVAILABLE') && error.details['reason'] === 'device-lost';
    await assert.rejects(inFlight, isLost);
    finish();
    await assert.rejects(guarded.run({}), isLost);
    assert.equal(calls, 2, 'no run reaches a lost device');
  });

  it('leaves a session without a device untouched', () => {
    const plain = session(ok);
    assert.equal(guardDeviceLoss(plain, undefined), plain);
  });
});

describe('runtime start before the model (onnx-wasm in Node)', () => {
  it('the hand-written Identity model is a valid ONNX model onnxruntime runs', async () => {
    const ort = await import('onnxruntime-web/wasm');
    const { identityModel } = await import('../../src/runtimes/tiny-onnx.js');
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(identityModel(), { executionProviders: ['wasm'], logSeverityLevel: 3 });
    try {
      assert.deepEqual([session.inputNames, session.outputNames], [['x'], ['y']]);
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([3.5]), [1]) });
      assert.deepEqual([...(out['y']!.data as Float32Array)], [3.5]);
    } finally {
      await session.release();
    }
  });

  it('start, then load: the model runs and passes its proof', async () => {
    const { resolveRuntimeEntry } = await import('../../src/runtimes/registry.js');
    const entry = await resolveRuntimeEntry('onnx-wasm');
    const fp32 = manifest.variants.find((variant) => variant.id === 'fp32')!;
    await entry.start(config('onnx-wasm'));
    const session = await entry.load(config('onnx-wasm'), [new Uint8Array(readFileSync(`models/mnist/${fp32.files[0]!.path}`))]);
    try {
      const engine = { ...session, health: () => ({ circuit: 'closed' as const, consecutiveFailures: 0 }) };
      assert.equal((await proveEngine(engine, manifest, fp32)).vectors, manifest.golden.length);
    } finally {
      await session.dispose();
    }
  });
});
