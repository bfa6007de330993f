import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { buildServiceWorker } from '../../scripts/build-sw.mjs';
import { createServer } from '../../server/src/index.js';
import { drawDigit } from './draw.js';

// Service workers: Chromium only (Playwright), and offline emulation is reliable once the page
// is controlled (microsoft/playwright#2311), so every test waits for the controller first.
const controlled = (page: Page) => page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });

test('installable: the manifest has what browsers ask for', async ({ page, request }) => {
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await (await request.get(href!)).json();
  expect(manifest).toMatchObject({ start_url: '/', display: 'standalone', short_name: expect.any(String), name: expect.any(String) });
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((entry: { sizes: string }) => entry.sizes === size);
    const png = await request.get(icon.src);
    expect(png.headers()['content-type']).toBe('image/png');
    const bytes = await png.body();
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)].join('x')).toBe(size); // IHDR width x height
  }
});

/** First visit online until the model is cached and the page controlled, then a reload offline. */
async function visitThenGoOffline(page: Page, context: BrowserContext): Promise<void> {
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await controlled(page);
  await expect(page.locator('#expectations tr')).toHaveCount(10);
  await context.setOffline(true);
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  // Debian's Chromium 150 keeps the network offline across the reload (fetch fails) but gives the new
  // document navigator.onLine === true; switching the emulation off and on again tells it.
  expect(await page.evaluate(() => fetch(`/v2/health/live?${Math.random()}`, { cache: 'no-store' }).then(() => 'reached', () => 'offline'))).toBe('offline');
  await context.setOffline(false);
  await context.setOffline(true);
}

test('offline: the app shell and the model card come from the service worker', async ({ page, context }) => {
  await visitThenGoOffline(page, context);
  await expect(page.locator('h1')).toHaveText(/^Draw a digit/);
  await expect(page.locator('#network')).toHaveText(/offline/);
  await expect(page.locator('#expectations tr')).toHaveCount(10); // network-first, from the runtime cache
  await expect(page.locator('#misclassified canvas')).toHaveCount(12);
  const fromWorker = await page.evaluate(() =>
    ['/dist/index.js', '/dist/demo/app.js', '/style.css'].map((path) => {
      const entry = performance.getEntriesByName(new URL(path, location.href).href)[0] as PerformanceResourceTiming | undefined;
      return entry !== undefined && entry.workerStart > 0;
    }),
  );
  expect(fromWorker).toEqual([true, true, true]);
});

test('offline: the precached worker, runtime chunk and wasm run the IndexedDB copy of the model', async ({ page, context }) => {
  await page.goto('/');
  const manifestText = await page.evaluate(async () => (await fetch('/models/mnist/manifest.json')).text());
  await visitThenGoOffline(page, context);
  // The manifest is handed over by hand here (loadModel's own offline path is the next test):
  // everything else must come from the service worker's precache and the library's IndexedDB.
  const result = await page.evaluate(async (text) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const offlineFetch: typeof fetch = (input, init) =>
      String(input).endsWith('/manifest.json') ? Promise.resolve(new Response(text, { headers: { 'content-type': 'application/json' } })) : fetch(input, init);
    const model = await loadModel('/models/mnist/manifest.json', { wasmPaths: '/wasm/', fetch: offlineFetch });
    const golden = JSON.parse(text).golden[0];
    const pixels = Float32Array.from(atob(golden.inputUint8), (c) => c.charCodeAt(0) / 255);
    const prediction = await model.predict(pixels);
    const info = model.info();
    await model.dispose();
    return { label: prediction.label, expected: String(golden.label), cache: info.cache.status, runtime: info.runtime };
  }, manifestText);
  expect(result).toEqual({ label: result.expected, expected: result.expected, cache: 'hit', runtime: 'onnx-wasm' });
});

test('offline: the cached model still reads a drawn 7', async ({ page, context }) => {
  // loadModel's own offline path: the manifest is unreachable, so it runs the newest committed version.
  await visitThenGoOffline(page, context);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await drawDigit(page, '7');
  await expect(page.locator('#label')).toHaveText('7');
});

test('a changed app shell shows "update ready" on the next visit; Reload switches to it', async ({ page }) => {
  test.setTimeout(120_000);
  // A private copy of demo/ and its own service worker, served by a server of its own: the repo's
  // dist/ (read, never written) and a parallel test run are untouched.
  const dir = mkdtempSync(join(tmpdir(), 'modelship-pwa-'));
  const demoDir = join(dir, 'demo');
  const folders = { demoDir, swDest: join(dir, 'sw', 'sw.js') };
  cpSync('demo', demoDir, { recursive: true });
  await buildServiceWorker(folders);
  const server = createServer({ static: { demo: demoDir, serviceWorker: join(dir, 'sw') }, metrics: false });
  try {
    const url = await server.listen(0, '127.0.0.1');
    await page.goto(`${url}/`);
    await controlled(page);
    await expect(page.locator('#update')).toBeHidden();

    appendFileSync(join(demoDir, 'style.css'), '\n/* shell v2 */\n');
    await buildServiceWorker(folders);
    await page.reload();
    await expect(page.locator('#update')).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('body')).toHaveAttribute('data-update', 'ready');

    await Promise.all([page.waitForEvent('load'), page.click('#update-reload')]);
    await expect(page.locator('#update')).toBeHidden();
    const css = await page.evaluate(async () => (await fetch('/style.css')).text());
    expect(css).toContain('shell v2');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
