import { expect, test, type Page } from '@playwright/test';

const MANIFEST = '/models/mnist/manifest.json';

/** `auto` in this page, IndexedDB cache and all, as an app with no runtime preference would load it. */
function loadAuto(page: Page) {
  return page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const model = await loadModel(manifest, { wasmPaths: '/wasm/' });
    const info = model.info();
    const golden = await (await fetch(manifest)).json();
    const bytes = Uint8Array.from(atob(golden.golden[0].inputUint8), (c) => c.charCodeAt(0));
    const prediction = await model.predict(Float32Array.from(bytes, (b) => b / 255));
    await model.dispose();
    return { runtime: info.runtime, variant: info.variant, reason: info.reason, label: prediction.label, expected: String(golden.golden[0].label) };
  }, MANIFEST);
}

test('a fresh profile’s auto load starts the cheapest runtime, says why in bytes, and stays on it once warm', async ({ page }) => {
  const paths: string[] = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  await page.goto('/empty.html');
  const first = await loadAuto(page);
  expect(first.label).toBe(first.expected);
  expect(first.runtime).toBe('tfjs-wasm');
  expect(first.variant).toBe('tfjs-uint8');
  expect(first.reason).toMatch(
    /cheapest start: 2\.\d\d MB to start \(model 110 KB \+ runtime 2\.\d\d MB\) vs litert-wasm\/tflite-fp32 10\.\d\d MB, onnx-wasm\/int8 14\.\d\d MB/,
  );
  // onnxruntime's 14 MB wasm and LiteRT's 9 MB were never fetched.
  expect(paths.filter((path) => path.endsWith('.wasm'))).toEqual(['/wasm/tfjs-backend-wasm-simd.wasm']);

  await page.reload();
  const warm = await loadAuto(page);
  expect(warm.runtime).toBe('tfjs-wasm');
  expect(warm.reason).toMatch(/model 110 KB \+ tfjs-wasm already started here/);
});
