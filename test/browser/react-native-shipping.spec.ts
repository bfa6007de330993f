import { readFileSync, statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { goldenDigits, openHost } from './react-native-harness.js';

// The two ways an app ships the host page: from an https origin (offline after the first visit,
// through the service worker) and bundled in the app (one self-contained HTML string, no server).
const MANIFEST = '/models/mnist/manifest.json';
const controlled = (page: Page) => page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });

test('served: offline second start runs the cached model with the page from the service worker', async ({ page, context, baseURL }) => {
  const view = await openHost(page, '/react-native/', { platform: 'android' });
  await view.model.load(MANIFEST, { variant: 'fp32', backends: ['onnx-wasm'] });
  await controlled(page);
  const firstInstance = view.model.hello!.instance;
  const digits = await goldenDigits(baseURL!);
  await context.setOffline(true);
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect.poll(() => view.model.hello?.instance).not.toBe(firstInstance);
  // The client re-loads by itself; the manifest is offline, so the newest cached version serves.
  const prediction = await view.model.predict(digits[4]!.input);
  expect(prediction.label).toBe(digits[4]!.label);
  expect(await view.model.info()).toMatchObject({ manifestSource: 'offline', cache: { status: 'hit' } });
});

test('bundled: the self-contained page runs with no file of its own (source={{ html, baseUrl }})', async ({ page, baseURL }) => {
  const html = readFileSync(new URL('../../dist/react-native/host-inline.html', import.meta.url), 'utf8');
  const bytes = statSync(new URL('../../dist/react-native/host-inline.html', import.meta.url)).size;
  expect(bytes).toBeLessThan(1024 * 1024);
  const assetRequests: string[] = [];
  // loadHTMLString / loadDataWithBaseURL: the HTML comes from the app, the origin from baseUrl.
  await page.route('**/rn-bundled/', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
  await page.route(/\/(dist|wasm)\//, (route) => {
    assetRequests.push(route.request().url());
    return route.abort();
  });
  const view = await openHost(page, '/rn-bundled/');
  const info = await view.model.load(MANIFEST); // the page's defaults: tfjs-cpu, in the page's thread
  expect(info).toMatchObject({ runtime: 'tfjs-cpu', variant: 'tfjs-uint8' });
  const digits = await goldenDigits(baseURL!);
  const results = await view.model.predictBatch(digits.map((d) => d.input));
  expect(results.map((r) => r.label)).toEqual(digits.map((d) => d.label));
  expect(assetRequests).toEqual([]);
  // A runtime the inlined page does not carry fails its plan step and says so; nothing is fetched.
  // (Asked for alone: with both, the plan may start tfjs-cpu first, since tfjs-uint8 is as accurate.)
  const error = await view.model.load(MANIFEST, { backends: ['onnx-wasm'], worker: false }).then(
    () => undefined,
    (cause: unknown) => cause as { code?: string; message?: string },
  );
  expect(error?.message).toMatch(/onnx-wasm is not in the inlined host page/);
  expect(assetRequests).toEqual([]);
});
