import { expect, test } from '@playwright/test';
import { watchWasmRequests } from './fixtures/wasm-requests.js';

const MANIFEST = '/models/mnist/manifest.json';

type Phase = { name: string; startMs: number; durationMs: number; detail?: string };

// tfjs-wasm's wasm is fetched alongside its JS chunks (src/worker/wasm-prefetch.ts), not after them, and handed to
// tfjs's glue: one request, no aborted one, the download still counted to its last byte, and a working model.
test('tfjs-wasm: the wasm is fetched while the runtime chunks import, once, and the runtime takes that response', async ({ page }) => {
  const { failed, wasm: wasmRequests } = watchWasmRequests(page);
  await page.goto('/empty.html');
  const result = await page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const downloads: { loaded: number; total: number }[] = [];
    const model = await loadModel(manifest, {
      wasmPaths: '/wasm/',
      backends: ['tfjs-wasm'],
      onProgress: (event) => {
        if (event.type === 'runtime-download') downloads.push({ loaded: event.loaded, total: event.total });
      },
    });
    const phases = model.info().timings.phases as Phase[];
    const golden = (await (await fetch(manifest)).json()) as { golden: { inputUint8: string; label: number }[] };
    const digit = golden.golden[0]!;
    const prediction = await model.predict(Float32Array.from(atob(digit.inputUint8), (c) => c.charCodeAt(0) / 255));
    await model.dispose();
    return { phases, downloads, runtime: model.info().runtime, index: prediction.index, label: digit.label };
  }, MANIFEST);
  expect(result.runtime).toBe('tfjs-wasm');
  expect(result.index).toBe(result.label);
  expect(failed).toEqual([]);
  expect(wasmRequests).toEqual([expect.stringMatching(/\/wasm\/tfjs-backend-wasm(-simd)?\.wasm$/)]);
  const phase = (name: string): Phase => result.phases.find((item) => item.name === name)!;
  // The fetch began before the import ended (without the prefetch it begins after it).
  expect(phase('runtime-fetch').startMs).toBeLessThan(phase('runtime-import').startMs + phase('runtime-import').durationMs);
  expect(result.downloads.length).toBeGreaterThanOrEqual(1);
  expect(result.downloads.at(-1)!.loaded).toBe(result.downloads.at(-1)!.total);
  expect(result.downloads.at(-1)!.total).toBeGreaterThan(100_000);
});
