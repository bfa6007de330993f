import { expect, test, type Page } from '@playwright/test';

const MANIFEST = '/models/mnist/manifest.json';

type Phase = { name: string; startMs: number; durationMs: number; detail?: string };

/** `auto` with the IndexedDB cache, as an app loads it; counts the workers the page creates. */
function loadAuto(page: Page) {
  return page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const before = (window as unknown as { __workers: number }).__workers;
    const model = await loadModel(manifest, { wasmPaths: '/wasm/' });
    const { runtime, timings } = model.info();
    const prediction = await model.predict(new Float32Array(784));
    await model.dispose();
    return { runtime, timings, label: prediction.label, workers: (window as unknown as { __workers: number }).__workers - before };
  }, MANIFEST);
}

const phase = (phases: Phase[], name: string): Phase => {
  const found = phases.find((p) => p.name === name);
  expect(found, `phase ${name} in ${JSON.stringify(phases)}`).toBeDefined();
  return found!;
};
const end = (p: Phase): number => p.startMs + p.durationMs;

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    const Original = window.Worker;
    const w = window as unknown as { __workers: number; __terminated: number };
    w.__workers = 0;
    w.__terminated = 0;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        w.__workers++;
      }
      override terminate(): void {
        w.__terminated++;
        super.terminate();
      }
    } as typeof Worker;
  });
  await page.goto('/empty.html');
});

test('info().timings names every step; the runtime starts while the files are fetched, and on a warm visit before the manifest revalidates', async ({ page }) => {
  const first = await loadAuto(page);
  expect(first.runtime).toBe('tfjs-wasm');
  const names = first.timings.phases.map((p: Phase) => p.name);
  for (const name of ['manifest', 'plan', 'files', 'worker', 'runtime-import', 'runtime-fetch', 'compile', 'session', 'proof']) expect(names).toContain(name);
  for (const p of first.timings.phases) {
    expect(p.durationMs).toBeGreaterThanOrEqual(0);
    expect(end(p)).toBeLessThanOrEqual(first.timings.totalMs + 1);
  }
  expect(phase(first.timings.phases, 'manifest').detail).toBe('network');
  expect(phase(first.timings.phases, 'runtime-fetch').detail).not.toMatch(/HTTP cache/);
  // The worker (and its runtime) started before the model's files were all there.
  expect(phase(first.timings.phases, 'worker').startMs).toBeLessThan(end(phase(first.timings.phases, 'files')));
  expect(first.workers).toBe(1);

  // Warm: the manifest's revalidation is held back 700 ms; the runtime does not wait for it.
  await page.route(`**${MANIFEST}`, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    await route.continue();
  });
  await page.reload();
  const warm = await loadAuto(page);
  expect(warm.runtime).toBe('tfjs-wasm');
  expect(warm.label).toBe(first.label);
  const manifest = phase(warm.timings.phases, 'manifest');
  expect(manifest.detail).toBe('not-modified');
  expect(manifest.durationMs).toBeGreaterThanOrEqual(650);
  expect(phase(warm.timings.phases, 'worker').startMs).toBeLessThan(end(manifest));
  expect(phase(warm.timings.phases, 'runtime-import').startMs).toBeLessThan(end(manifest));
  expect(phase(warm.timings.phases, 'files').detail).toBe('hit');
  // (Whether the wasm came from the HTTP cache is not asserted here: routing turns Playwright's cache off. `npm run bench:warm-start` shows it.)
  expect(phase(warm.timings.phases, 'runtime-fetch').detail).toMatch(/MB wasm/);
  // The worker started early is the one that serves: no second one.
  expect(warm.workers).toBe(1);
});

test('a runtime started early for a plan the load does not follow is ended with the load', async ({ page }) => {
  // tfjs-wasm becomes the runtime that started here last…
  expect((await loadAuto(page)).runtime).toBe('tfjs-wasm');
  await page.reload();
  // …and starts early again, but this app's own order puts tfjs-cpu first: the plan follows the app.
  const result = await page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const w = window as unknown as { __workers: number; __terminated: number };
    const model = await loadModel(manifest, { wasmPaths: '/wasm/', backends: ['tfjs-cpu', 'tfjs-wasm'] });
    const { runtime } = model.info();
    const counts = { created: w.__workers, terminated: w.__terminated };
    await model.predict(new Float32Array(784));
    await model.dispose();
    return { runtime, ...counts };
  }, MANIFEST);
  expect(result.runtime).toBe('tfjs-cpu');
  // Two workers were made (tfjs-wasm early, tfjs-cpu at its step); the early one is gone when the load returns.
  expect(result.created).toBe(2);
  expect(result.terminated).toBe(1);
});
