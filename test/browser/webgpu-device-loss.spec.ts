import { expect, test } from '@playwright/test';

// A lost GPU device never comes back; runs on it must fail fast with a code the app can act on.
test('onnx-webgpu: after the GPU device is lost, predict rejects with BACKEND_UNAVAILABLE (device-lost)', async ({ page }) => {
  test.setTimeout(90_000);
  // Keep every device the page creates, so the test can destroy the one onnxruntime uses.
  await page.addInitScript(() => {
    const adapter = (globalThis as { GPUAdapter?: { prototype: { requestDevice: (...args: unknown[]) => Promise<unknown> } } }).GPUAdapter;
    if (!adapter) return;
    const original = adapter.prototype.requestDevice;
    const devices: unknown[] = ((globalThis as { __devices?: unknown[] }).__devices = []);
    adapter.prototype.requestDevice = async function (this: unknown, ...args: unknown[]) {
      const device = await original.apply(this, args);
      devices.push(device);
      return device;
    };
  });
  await page.goto('/empty.html');
  const hasAdapter = await page.evaluate(async () => Boolean(await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()));
  test.skip(!hasAdapter, 'no WebGPU adapter here (Chromium needs --enable-unsafe-webgpu)');

  const outcome = await page.evaluate(async () => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    // In the page's thread (worker: false) so the captured device is the one onnxruntime runs on.
    const model = await loadModel('/models/mnist/manifest.json', { variant: 'fp32', backends: ['onnx-webgpu'], worker: false, wasmPaths: '/wasm/', cache: 'memory' });
    const input = new Float32Array(784);
    const before = (await model.predict(input)).runtime;
    const devices = (globalThis as unknown as { __devices: { destroy(): void; lost: Promise<unknown> }[] }).__devices;
    for (const device of devices) device.destroy();
    await Promise.all(devices.map((device) => device.lost));
    try {
      await model.predict(input);
      return { before, after: 'resolved' };
    } catch (error) {
      const e = error as { code?: string; details?: { reason?: string }; message: string };
      return { before, devices: devices.length, code: e.code, reason: e.details?.reason, message: e.message };
    } finally {
      await model.dispose();
    }
  });
  expect(outcome.before).toBe('onnx-webgpu');
  expect(outcome.code, outcome.message).toBe('BACKEND_UNAVAILABLE');
  expect(outcome.reason).toBe('device-lost');
});
