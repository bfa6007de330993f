import { expect, test, type Page } from '@playwright/test';
import { watchWasmRequests } from './fixtures/wasm-requests.js';

const MANIFEST = '/models/mnist/manifest.json';

type Download = { type: 'runtime-download'; runtime: string; url: string; loaded: number; total: number };
type Phase = { name: string; detail?: string };

/**
 * Loads onnx-wasm (14 MB of wasm) from the built bundle, keeping every progress event with whether it
 * came before `loadModel` settled, then waits a while for stragglers.
 */
function load(page: Page) {
  return page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const events: { type: string; settled: boolean; event: unknown }[] = [];
    let settled = false;
    const model = await loadModel(manifest, {
      wasmPaths: '/wasm/',
      backends: ['onnx-wasm'],
      onProgress: (event) => events.push({ type: event.type, settled, event }),
    });
    settled = true;
    const phases = model.info().timings.phases as Phase[];
    await model.predict(new Float32Array(784));
    // Whatever the worker still had to say would arrive by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await model.dispose();
    return { events, phases };
  }, MANIFEST);
}

test('the runtime download is progress on a first visit, absent once the runtime has started here, and never after the load', async ({ page }) => {
  // Counting the bytes adds no request of its own, failed or not (no cache probe in the app's network log).
  const { failed, wasm: wasmRequests } = watchWasmRequests(page);
  await page.goto('/empty.html');
  const first = await load(page);
  expect(failed).toEqual([]);
  expect(wasmRequests).toHaveLength(1);
  expect(first.events.filter((item) => item.settled)).toEqual([]);
  const downloads = first.events.filter((item) => item.type === 'runtime-download').map((item) => item.event as Download);
  expect(downloads.length, JSON.stringify(first.events.map((item) => item.type))).toBeGreaterThanOrEqual(2);
  for (const download of downloads) {
    expect(download.runtime).toBe('onnx-wasm');
    expect(download.url).toMatch(/\/wasm\/ort-wasm-simd-threaded\.wasm$/);
    expect(download.loaded).toBeLessThanOrEqual(download.total);
  }
  for (let index = 1; index < downloads.length; index++) expect(downloads[index]!.loaded).toBeGreaterThanOrEqual(downloads[index - 1]!.loaded);
  expect(downloads[0]!.loaded).toBeLessThan(downloads.at(-1)!.loaded);
  const last = downloads.at(-1)!;
  // The wasm as built (wasm/inventory.json: 14.2 MB), counted to its last byte.
  expect(last.loaded).toBe(last.total);
  expect(last.total).toBeGreaterThan(10e6);
  // Every runtime-download event comes before `ready`.
  const types = first.events.map((item) => item.type);
  expect(types.lastIndexOf('runtime-download')).toBeLessThan(types.indexOf('ready'));

  // The same profile again: the runtime started here before (runtime:warm) and its bytes went to the HTTP cache
  // on the first visit (runtime-fetch says so below), so nothing downloads and nothing is reported.
  await page.reload();
  const second = await load(page);
  expect(second.events.filter((item) => item.type === 'runtime-download')).toEqual([]);
  expect(second.events.filter((item) => item.settled)).toEqual([]);
  expect(second.events.map((item) => item.type)).toContain('ready');
  expect(second.phases.find((phase) => phase.name === 'runtime-fetch')?.detail).toMatch(/HTTP cache/);
});
