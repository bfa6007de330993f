import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { benchmarkEngine } from '../../src/device/benchmark.js';
import { detectWasmSimd, probeDevice, type ProbeEnvironment } from '../../src/device/probe.js';
import type { GpuAdapterLike } from '../../src/device/webgpu.js';
import { LOCAL_HEALTH, type Engine, type TensorMap } from '../../src/engine.js';
import type { Manifest } from '../../src/manifest/types.js';

const fakeGpu = (adapter: () => Promise<GpuAdapterLike | null>) => {
  const gpu = { calls: 0, requestAdapter: () => (gpu.calls++, adapter()) };
  return gpu;
};

const swiftShader: GpuAdapterLike = {
  features: new Set(['timestamp-query', 'float32-filterable']),
  limits: { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxComputeWorkgroupStorageSize: 16384, maxBindGroups: 4 },
  info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true },
};

describe('probeDevice', () => {
  it('gives sensible defaults where nothing can be read (Node, old browsers)', async () => {
    const profile = await probeDevice(undefined, {});
    assert.deepEqual(profile, {
      webgpu: { available: false, isFallbackAdapter: false, features: [], limits: {} },
      wasm: { simd: false, threads: false },
      crossOriginIsolated: false,
      hardwareConcurrency: 1,
      deviceMemoryGb: undefined,
      saveData: false,
      online: true,
    });
  });

  it('reads this Node process without throwing: WASM SIMD yes, threads no', async () => {
    const profile = await probeDevice();
    assert.equal(profile.wasm.simd, true);
    assert.equal(profile.wasm.threads, false);
    assert.equal(profile.webgpu.available, false);
  });

  it('describes an adapter: sorted features, the useful limits, vendor, architecture, fallback flag', async () => {
    const env: ProbeEnvironment = { navigator: { gpu: fakeGpu(async () => swiftShader), hardwareConcurrency: 8, deviceMemory: 4, onLine: false, connection: { saveData: true } } };
    const profile = await probeDevice(undefined, env);
    assert.deepEqual(profile.webgpu, {
      available: true,
      isFallbackAdapter: true,
      features: ['float32-filterable', 'timestamp-query'],
      limits: { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxComputeWorkgroupStorageSize: 16384 },
      vendor: 'google',
      architecture: 'swiftshader',
    });
    assert.deepEqual([profile.hardwareConcurrency, profile.deviceMemoryGb, profile.online, profile.saveData], [8, 4, false, true]);
  });

  it('finds the fallback flag where older Chromium put it, and SwiftShader by name', async () => {
    const old = await probeDevice(undefined, { navigator: { gpu: fakeGpu(async () => ({ isFallbackAdapter: true, info: {} })) } });
    assert.equal(old.webgpu.isFallbackAdapter, true);
    const named = await probeDevice(undefined, { navigator: { gpu: fakeGpu(async () => ({ info: { description: 'SwiftShader Device (Subzero)' } })) } });
    assert.equal(named.webgpu.isFallbackAdapter, true);
    const real = await probeDevice(undefined, { navigator: { gpu: fakeGpu(async () => ({ info: { vendor: 'nvidia', architecture: 'ampere' } })) } });
    assert.equal(real.webgpu.isFallbackAdapter, false);
  });

  it('never waits on a hanging requestAdapter longer than its timeout, and survives one that throws', async () => {
    const started = Date.now();
    const hung = await probeDevice(undefined, { navigator: { gpu: fakeGpu(() => new Promise(() => undefined)) }, adapterTimeoutMs: 50 });
    assert.equal(hung.webgpu.available, false);
    assert.ok(Date.now() - started < 1000);
    const thrown = await probeDevice(undefined, { navigator: { gpu: fakeGpu(() => Promise.reject(new Error('GPU process gone'))) } });
    assert.equal(thrown.webgpu.available, false);
    const none = await probeDevice(undefined, { navigator: { gpu: fakeGpu(async () => null) } });
    assert.equal(none.webgpu.available, false);
  });

  it('threads need both cross-origin isolation and SharedArrayBuffer', async () => {
    assert.equal((await probeDevice(undefined, { crossOriginIsolated: true, sharedArrayBuffer: true })).wasm.threads, true);
    assert.equal((await probeDevice(undefined, { crossOriginIsolated: true, sharedArrayBuffer: false })).wasm.threads, false);
    assert.equal((await probeDevice(undefined, { crossOriginIsolated: false, sharedArrayBuffer: true })).wasm.threads, false);
  });

  it('merges overrides deeply; webgpu.available false skips the adapter request', async () => {
    const gpu = fakeGpu(async () => swiftShader);
    const off = await probeDevice({ webgpu: { available: false } }, { navigator: { gpu } });
    assert.equal(gpu.calls, 0);
    assert.equal(off.webgpu.available, false);
    const merged = await probeDevice(
      { webgpu: { isFallbackAdapter: false, limits: { maxBufferSize: 1 } }, wasm: { threads: true }, deviceMemoryGb: 0.5, saveData: true },
      { navigator: { gpu }, webAssembly: WebAssembly },
    );
    assert.equal(merged.webgpu.available, true);
    assert.equal(merged.webgpu.isFallbackAdapter, false);
    assert.deepEqual(merged.webgpu.limits, { ...{ maxStorageBufferBindingSize: 134217728, maxComputeWorkgroupStorageSize: 16384 }, maxBufferSize: 1 });
    assert.deepEqual(merged.webgpu.features, ['float32-filterable', 'timestamp-query']);
    assert.deepEqual(merged.wasm, { simd: true, threads: true });
    assert.equal(merged.deviceMemoryGb, 0.5);
    assert.equal(merged.saveData, true);
  });

  it('ignores a nonsense navigator (negative cores, string memory)', async () => {
    const profile = await probeDevice(undefined, { navigator: { hardwareConcurrency: -2, deviceMemory: 'lots' as unknown as number } });
    assert.equal(profile.hardwareConcurrency, 1);
    assert.equal(profile.deviceMemoryGb, undefined);
  });
});

describe('detectWasmSimd', () => {
  it('validates a real SIMD module (Node has SIMD) and reads a missing or broken WebAssembly as no', () => {
    assert.equal(detectWasmSimd(WebAssembly), true);
    assert.equal(detectWasmSimd(undefined), false);
    assert.equal(detectWasmSimd({ validate: () => false }), false);
    assert.equal(detectWasmSimd({ validate: () => { throw new Error('CSP forbids wasm'); } }), false);
  });
});

describe('benchmarkEngine', () => {
  it('times warm batch-1 runs of the first golden digit over a window, each with its own buffer', async () => {
    const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
    const seen: TensorMap[] = [];
    const engine: Engine = {
      runtime: 'fake',
      runtimeVersion: '0',
      executionProvider: 'cpu',
      health: () => LOCAL_HEALTH,
      run: async (feeds) => (seen.push(feeds), { logits: { data: new Float32Array(10), dims: [1, 10] } }),
      dispose: async () => undefined,
    };
    const result = await benchmarkEngine(engine, manifest, { windowMs: 1000, maxRuns: 5 });
    assert.equal(result.runs, 5);
    assert.ok(result.meanMs >= 0);
    assert.equal(seen.length, 7, 'two untimed warm-up runs first');
    assert.deepEqual(seen[0]!['input']!.dims, [1, 1, 28, 28]);
    assert.notEqual(seen[0]!['input']!.data.buffer, seen[1]!['input']!.data.buffer);
  });

  it('stops at the window and reports the sustained mean of a slow engine', async () => {
    const manifest = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
    const engine: Engine = {
      runtime: 'slow',
      runtimeVersion: '0',
      executionProvider: 'cpu',
      health: () => LOCAL_HEALTH,
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { logits: { data: new Float32Array(10), dims: [1, 10] } };
      },
      dispose: async () => undefined,
    };
    const result = await benchmarkEngine(engine, manifest, { windowMs: 100, maxRuns: 200 });
    assert.ok(result.runs >= 3 && result.runs <= 7, `runs ${result.runs}`);
    assert.ok(result.meanMs >= 19 && result.meanMs < 60, `mean ${result.meanMs}`);
  });
});
