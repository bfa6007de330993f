import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DeviceProfile } from '../../src/device/types.js';
import { validateManifest } from '../../src/manifest/validate.js';
import type { Manifest } from '../../src/manifest/types.js';
import { planLocal, skippedFallbacks } from '../../src/plan/plan.js';
import { unmetRequirement } from '../../src/plan/requirements.js';
import { RUNTIME_TABLE } from '../../src/plan/runtime-table.generated.js';
import { runtimeKey, WarmRuntimes } from '../../src/plan/warm-runtimes.js';
import { createMemoryStore } from '../../src/store/memory-store.js';

const MNIST = (): Manifest => JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;

const profile = (over: Partial<DeviceProfile> = {}): DeviceProfile => ({
  webgpu: { available: false, isFallbackAdapter: false, features: [], limits: {} },
  wasm: { simd: true, threads: false },
  crossOriginIsolated: false,
  hardwareConcurrency: 2,
  deviceMemoryGb: 8,
  saveData: false,
  online: true,
  ...over,
});

const firstStep = (plan: ReturnType<typeof planLocal>): string => `${plan.steps[0]!.runtime}/${plan.steps[0]!.variant.id}`;

describe('variant requirements', () => {
  it('the shipped manifest declares what its ONNX variants need, read from the graphs', () => {
    const byId = new Map(MNIST().variants.map((variant) => [variant.id, variant.requires]));
    assert.deepEqual(byId.get('fp32'), { opset: 13 });
    // int8 is whichever candidate select_int8.py measured as the winner: the fully quantised one (QLinearConv,
    // QGemm: int8 kernels) in this build, so it declares features ['int8']; a weight-only one would not.
    assert.deepEqual(byId.get('int8'), { opset: 13, features: ['int8'] });
    assert.equal(byId.get('tfjs-uint8'), undefined);
  });

  it('a runtime that cannot meet a variant is skipped before download, with the reason in notes, reason and fallback events', () => {
    const manifest = MNIST();
    const fp32 = manifest.variants.find((variant) => variant.id === 'fp32')!;
    fp32.requires = { opset: 22 };
    const plan = planLocal({ manifest, profile: profile(), variant: 'fp32', backends: ['onnx-wasm', 'onnx-webgpu'] });
    assert.equal(plan.steps.length, 0);
    assert.match(plan.notes.join('\n'), /onnx-wasm\/fp32: skipped before download, needs ONNX opset 22, onnx-wasm runs up to 21/);
    const auto = planLocal({ manifest, profile: profile() });
    assert.ok(auto.steps.every((step) => step.variant.id !== 'fp32'));
    assert.match(auto.steps[0]!.reason, /onnx-wasm\/fp32: skipped before download/);
    const events = skippedFallbacks(auto);
    assert.deepEqual(events[0]!.from, 'local/onnx-wasm/fp32');
    assert.equal(events[0]!.to, `local/${firstStep(auto)}`);
  });

  it('checks minimum runtime versions against the build and features against the runtime and device', () => {
    const variant = { ...MNIST().variants[0]!, requires: { minRuntimeVersion: { 'onnx-wasm': '99.0.0' } } };
    assert.match(
      unmetRequirement(variant, 'onnx-wasm', profile())!,
      new RegExp(`needs onnxruntime-web ≥ 99.0.0, this build has ${RUNTIME_TABLE['onnx-wasm'].version}`),
    );
    assert.equal(unmetRequirement({ ...variant, requires: { minRuntimeVersion: { 'onnx-wasm': '1.0.0' } } }, 'onnx-wasm', profile()), undefined);
    assert.match(unmetRequirement({ ...variant, requires: { features: ['int8'] } }, 'litert-wasm', profile())!, /int8 kernels/);
    assert.match(
      unmetRequirement({ ...variant, requires: { features: ['wasm-simd'] } }, 'tfjs-wasm', profile({ wasm: { simd: false, threads: false } }))!,
      /SIMD/,
    );
    const gpu = profile({ webgpu: { available: true, isFallbackAdapter: false, features: ['shader-f16'], limits: {} } });
    assert.equal(unmetRequirement({ ...variant, requires: { features: ['shader-f16'] } }, 'onnx-webgpu', gpu), undefined);
    assert.match(unmetRequirement({ ...variant, requires: { features: ['shader-f16'] } }, 'onnx-wasm', gpu)!, /WebGPU feature/);
  });

  it('the schema rejects a malformed requires, naming the field', () => {
    const bad = (requires: unknown) => {
      const manifest = MNIST() as unknown as { variants: Record<string, unknown>[] };
      manifest.variants[0]!['requires'] = requires;
      return () => validateManifest(manifest);
    };
    assert.throws(
      bad({ opset: 0 }),
      (error: Error & { code?: string }) => error.code === 'MANIFEST_INVALID' && /variants\[0\]\.requires\.opset/.test(error.message),
    );
    assert.throws(bad({ features: ['fp64'] }), /variants\[0\]\.requires\.features\[0\]/);
    assert.throws(bad({ minRuntimeVersion: { 'onnx-wasm': 'latest' } }), /variants\[0\]\.requires\.minRuntimeVersion/);
    assert.throws(bad({ gpu: true }), /variants\[0\]\.requires/);
  });
});

describe('start cost', () => {
  it('a first visit picks the runtime with the fewest bytes to start among variants within the accuracy bar, and says why', () => {
    const plan = planLocal({ manifest: MNIST(), profile: profile() });
    assert.equal(firstStep(plan), 'tfjs-wasm/tfjs-uint8');
    assert.match(
      plan.steps[0]!.reason,
      /cheapest start: 2\.\d\d MB to start \(model 110 KB \+ runtime 2\.\d\d MB\) vs litert-wasm\/tflite-fp32 10\.\d\d MB, onnx-wasm\/int8 14\.\d\d MB/,
    );
    const order = plan.steps.map((step) => step.runtime);
    assert.ok(order.indexOf('litert-wasm') < order.indexOf('onnx-wasm'), 'a 9.6 MB runtime before a 14.4 MB one');
    assert.equal(order.filter((runtime) => runtime !== 'tfjs-cpu').length + 1, order.length);
    // The variants within 0.3 pp of the best are cost-ranked with plain-JS kernels last (all five in this build:
    // pruned's 98.65% is 0.10 pp under the best 98.75%).
    assert.equal(plan.steps.at(-1)!.runtime, 'tfjs-cpu');
    assert.match(plan.steps.at(-1)!.reason, /last resort/);
    assert.ok(plan.steps.every((step) => !/below the accuracy bar/.test(step.reason)));
  });

  it('a variant below the accuracy bar follows the cost-ranked ones, only as a fallback', () => {
    const manifest = MNIST();
    manifest.variants.find((variant) => variant.id === 'pruned')!.accuracy = 0.98;
    const plan = planLocal({ manifest, profile: profile() });
    const withinBar = plan.steps.filter((step) => !/below the accuracy bar/.test(step.reason));
    assert.equal(withinBar.at(-1)!.runtime, 'tfjs-cpu');
    assert.match(withinBar.at(-1)!.reason, /last resort/);
    assert.deepEqual(plan.steps.slice(withinBar.length).map((step) => step.variant.id), ['pruned']);
  });

  it('a warm runtime costs no download, so a warm visit stays on it', () => {
    const warm = new Set([runtimeKey('onnx-wasm')]);
    const plan = planLocal({ manifest: MNIST(), profile: profile(), warm });
    assert.equal(firstStep(plan), 'onnx-wasm/int8');
    assert.match(plan.steps[0]!.reason, /onnx-wasm already started here/);
    const stale = planLocal({ manifest: MNIST(), profile: profile(), warm: new Set(['onnx-wasm@0.0.1']) });
    assert.equal(firstStep(stale), 'tfjs-wasm/tfjs-uint8', 'another version of the runtime is a new download');
  });

  it("the app's backends and variant stay authoritative", () => {
    // Start cost alone would put onnx-wasm (14 MB runtime) after litert-wasm (9.7 MB) anyway; the app's order
    // is kept either way: its first runtime first, with that runtime's variants in rank order.
    const plan = planLocal({ manifest: MNIST(), profile: profile(), backends: ['onnx-wasm', 'litert-wasm'] });
    assert.equal(firstStep(plan), 'onnx-wasm/int8');
    const litertFirst = planLocal({ manifest: MNIST(), profile: profile(), backends: ['litert-wasm', 'onnx-wasm'] });
    assert.equal(firstStep(litertFirst), 'litert-wasm/tflite-fp32');
    // tfjs-uint8 ranks first among the variants, but an app naming onnx-wasm first gets onnx-wasm.
    const onnxFirst = planLocal({ manifest: MNIST(), profile: profile(), backends: ['onnx-wasm', 'tfjs-wasm'] });
    assert.deepEqual(onnxFirst.steps.map((step) => step.runtime).slice(0, 2), ['onnx-wasm', 'onnx-wasm']);
    const pinned = planLocal({ manifest: MNIST(), profile: profile(), variant: 'fp32' });
    assert.deepEqual([...new Set(pinned.steps.map((step) => step.variant.id))], ['fp32']);
  });

  it('remembers the runtimes that started, per version, in the store', async () => {
    const warm = new WarmRuntimes(createMemoryStore());
    assert.equal((await warm.list()).size, 0);
    await warm.record('tfjs-wasm');
    await warm.record('tfjs-wasm');
    assert.deepEqual([...(await warm.list())], [runtimeKey('tfjs-wasm')]);
    assert.equal((await new WarmRuntimes(undefined).list()).size, 0);
  });
});

describe('start cost on a software WebGPU adapter', () => {
  it('keeps the software adapter after every other runtime however cheap it is', () => {
    const swiftShader = profile({ webgpu: { available: true, isFallbackAdapter: true, features: [], limits: {} } });
    const plan = planLocal({ manifest: MNIST(), profile: swiftShader });
    assert.equal(firstStep(plan), 'tfjs-wasm/tfjs-uint8');
    assert.match(plan.steps[0]!.reason, /vs litert-wasm\/tflite-fp32 10\.\d\d MB, onnx-wasm\/int8 14\.\d\d MB/);
    // Among the variants within the accuracy bar (pruned, below it, follows them all as a fallback).
    const order = plan.steps.filter((step) => !/below the accuracy bar/.test(step.reason)).map((step) => step.runtime);
    const firstGpu = order.findIndex((runtime) => runtime.endsWith('-webgpu'));
    assert.ok(
      order.slice(firstGpu).every((runtime) => runtime.endsWith('-webgpu') || runtime === 'tfjs-cpu'),
      order.join(', '),
    );
  });
});

describe('runtime table', () => {
  it('matches the installed runtime packages: versions and the wasm each runtime fetches', () => {
    const pkgDir = (name: string) => `node_modules/${name}`;
    const size = (path: string) => readFileSync(path).length;
    for (const row of Object.values(RUNTIME_TABLE)) {
      assert.equal(row.version, (JSON.parse(readFileSync(`${pkgDir(row.package)}/package.json`, 'utf8')) as { version: string }).version, row.package);
    }
    const ort = pkgDir('onnxruntime-web');
    assert.equal(RUNTIME_TABLE['onnx-wasm'].wasmBytes, size(`${ort}/dist/ort-wasm-simd-threaded.wasm`) + size(`${ort}/dist/ort-wasm-simd-threaded.mjs`));
    assert.equal(RUNTIME_TABLE['tfjs-wasm'].wasmBytes, size(`${pkgDir('@tensorflow/tfjs-backend-wasm')}/dist/tfjs-backend-wasm-simd.wasm`));
    const litert = pkgDir('@litertjs/core');
    assert.equal(RUNTIME_TABLE['litert-wasm'].wasmBytes, size(`${litert}/wasm/litert_wasm_internal.wasm`) + size(`${litert}/wasm/litert_wasm_internal.js`));
    assert.ok(RUNTIME_TABLE['tfjs-wasm'].jsBytes > 1e6, 'tfjs core is most of the tfjs-wasm start');
  });
});
