import { expect, test, type Page } from '@playwright/test';
import { startFixtureServer, type FixtureServer } from './fixtures/server.js';

const MANIFEST = '/models/mnist/manifest.json';

/** Loads and classifies the golden digits in the page; returns the runtime, the labels and the expected labels. */
function loadAndClassify(page: Page, options: Record<string, unknown>) {
  return page.evaluate(
    async ({ manifestUrl, options }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
      try {
        const model = await loadModel(manifestUrl, { wasmPaths: '/wasm/', cache: 'memory', ...options });
        const golden = ((await (await fetch(manifestUrl)).json()) as { golden: { inputUint8: string; label: number }[] }).golden;
        const inputs = golden.map((g) => Float32Array.from(atob(g.inputUint8), (c) => c.charCodeAt(0) / 255));
        const labels = (await model.predictBatch(inputs)).map((p) => p.index);
        const { runtime, device } = model.info();
        await model.dispose();
        return { runtime, device, labels, expected: golden.map((g) => g.label), isolated: crossOriginIsolated };
      } catch (error) {
        return { error: `${(error as { code?: string }).code}: ${(error as Error).message}` };
      }
    },
    { manifestUrl: MANIFEST, options },
  );
}

/** Every URL the page and its workers request, as paths. */
function recordRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  return paths;
}

test('an app on onnx-wasm downloads no tfjs or WebGPU chunk and no wasm but onnxruntime’s own', async ({ page }) => {
  const paths = recordRequests(page);
  await page.goto('/empty.html');
  const result = await loadAndClassify(page, { variant: 'fp32' });
  expect(result.error).toBeUndefined();
  expect(result.runtime).toBe('onnx-wasm');
  expect(result.labels).toEqual(result.expected);
  // The probe saw this browser as it is: SIMD, no threads without isolation, SwiftShader flagged as software.
  expect(result.device?.wasm).toEqual({ simd: true, threads: false });
  if (result.device?.webgpu.available) expect(result.device.webgpu.isFallbackAdapter).toBe(true);
  const chunks = paths.filter((path) => path.startsWith('/dist/chunks/'));
  expect(chunks.some((path) => /\/onnx-wasm-[\w-]+\.js$/.test(path)), chunks.join('\n')).toBe(true);
  expect(chunks.filter((path) => /tfjs|webgpu|device-loss/.test(path))).toEqual([]);
  const wasm = paths.filter((path) => path.startsWith('/wasm/'));
  expect([...new Set(wasm)].sort()).toEqual(['/wasm/ort-wasm-simd-threaded.mjs', '/wasm/ort-wasm-simd-threaded.wasm']);
  expect(paths.filter((path) => path.endsWith('.wasm'))).toEqual(['/wasm/ort-wasm-simd-threaded.wasm']);
});

test.describe('cross-origin isolated (COOP + COEP): threads', () => {
  let server: FixtureServer;
  test.beforeAll(async () => {
    server = await startFixtureServer({ crossOriginIsolation: true });
  });
  test.afterAll(async () => {
    await server?.close();
  });

  test('onnx-wasm with 2 threads loads and classifies every golden digit', async ({ page }) => {
    const paths = recordRequests(page);
    await page.goto(`${server.url}/empty.html`);
    const result = await loadAndClassify(page, { variant: 'fp32', backends: ['onnx-wasm'], numThreads: 2 });
    expect(result.error).toBeUndefined();
    expect(result.isolated).toBe(true);
    expect(result.device?.wasm.threads).toBe(true);
    expect(result.runtime).toBe('onnx-wasm');
    expect(result.labels).toEqual(result.expected);
    // onnxruntime starts its pthread worker from the same .mjs: a second request for it means threads are on.
    expect(paths.filter((path) => path === '/wasm/ort-wasm-simd-threaded.mjs').length).toBeGreaterThanOrEqual(2);
  });

  test('tfjs-wasm picks its threaded build and classifies every golden digit', async ({ page }) => {
    const paths = recordRequests(page);
    await page.goto(`${server.url}/empty.html`);
    const result = await loadAndClassify(page, { variant: 'tfjs-uint8', backends: ['tfjs-wasm'], numThreads: 2 });
    expect(result.error).toBeUndefined();
    expect(result.runtime).toBe('tfjs-wasm');
    expect(result.labels).toEqual(result.expected);
    expect(paths).toContain('/wasm/tfjs-backend-wasm-threaded-simd.wasm');
  });
});

test('tfjs-wasm without isolation uses the single-threaded SIMD build', async ({ page }) => {
  const paths = recordRequests(page);
  await page.goto('/empty.html');
  const result = await loadAndClassify(page, { variant: 'tfjs-uint8', backends: ['tfjs-wasm'] });
  expect(result.error).toBeUndefined();
  expect(result.labels).toEqual(result.expected);
  expect(paths.filter((path) => path.endsWith('.wasm'))).toEqual(['/wasm/tfjs-backend-wasm-simd.wasm']);
});
