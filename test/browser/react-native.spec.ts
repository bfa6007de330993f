import { expect, test } from '@playwright/test';
import { digitAsPng, goldenDigits, openHost } from './react-native-harness.js';

// The real host page (served at /react-native/ by the reference server) and the real built client,
// joined by a simulated react-native-webview bridge (see react-native-harness.ts).
const HOST = '/react-native/';
const MANIFEST = '/models/mnist/manifest.json';
const LOAD = { variant: 'fp32', backends: ['onnx-wasm'] as ['onnx-wasm'] };

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

test('hello: protocol 1, library version, capabilities and limits', async ({ page }) => {
  const view = await openHost(page, HOST);
  await expect.poll(() => view.model.hello).toBeDefined();
  const hello = view.model.hello!;
  expect(hello).toMatchObject({ protocol: 1, version: '0.1.0', limits: { chunkChars: 131072, maxBridgeChars: 1048576 } });
  expect(Object.keys(hello.capabilities).sort()).toEqual(['sharedArrayBuffer', 'threads', 'wasmSimd', 'webgpu'].sort());
  expect(hello.capabilities.wasmSimd).toBe(true);
  expect(hello.capabilities.threads).toBe(false); // not cross-origin isolated, like a WebView
  expect(view.messages()[0]).toMatchObject({ v: 1, event: 'hello' });
});

for (const platform of ['ios', 'android'] as const) {
  test(`${platform}: load reports progress, then predict from float32 answers the golden digits`, async ({ page, baseURL }) => {
    const view = await openHost(page, HOST, { platform });
    const progress: string[] = [];
    view.model.on('progress', (event) => progress.push(event.type));
    const info = await view.model.load(MANIFEST, LOAD);
    expect(info).toMatchObject({ name: 'mnist', variant: 'fp32', runtime: 'onnx-wasm', route: 'local' });
    expect(progress[0]).toBe('manifest');
    expect(progress).toContain('download');
    expect(progress.at(-1)).toBe('ready');
    for (const digit of await goldenDigits(baseURL!)) {
      const prediction = await view.model.predict(digit.input);
      expect(prediction.label).toBe(digit.label);
      expect(prediction.scores).toHaveLength(10);
    }
    expect(await view.model.info()).toMatchObject({ name: 'mnist', cache: { status: 'stored' } });
  });
}

test('predict from pictures of any size (PNG data URLs), preprocessed in the page', async ({ page, baseURL }) => {
  const view = await openHost(page, HOST);
  await view.model.load(MANIFEST, LOAD);
  const digits = await goldenDigits(baseURL!);
  for (const [i, size] of [28, 84, 200].entries()) {
    const digit = digits[i]!;
    const prediction = await view.model.predict({ image: await digitAsPng(page, digit.input, size) });
    expect(prediction.label).toBe(digit.label);
  }
});

test('a large batch is chunked both ways and matches single predictions', async ({ page, baseURL }) => {
  const view = await openHost(page, HOST, { platform: 'android' });
  await view.model.load(MANIFEST, LOAD);
  const digits = await goldenDigits(baseURL!);
  const inputs = Array.from({ length: 300 }, (_, i) => digits[i % digits.length]!.input);
  const sentBefore = view.outgoing.length;
  const results = await view.model.predictBatch(inputs);
  expect(results.map((r) => r.label)).toEqual(inputs.map((_, i) => digits[i % digits.length]!.label));
  const single = await view.model.predict(digits[0]!.input);
  for (const [i, score] of single.scores.entries()) expect(Math.abs(score - results[0]!.scores[i]!)).toBeLessThan(1e-5);
  // 300 × 784 floats is ~1.25 M characters of base64 going in, ~150 k of results coming out.
  const replyChunks = view.outgoing
    .slice(sentBefore)
    .map((raw) => JSON.parse(raw))
    .filter((m) => 'chunk' in m);
  expect(replyChunks.length).toBeGreaterThan(1);
  expect(Math.max(...view.outgoing.map((raw) => raw.length))).toBeLessThan(131072 + 256);
});

test('cancel: an aborted call rejects at once with ABORTED, the page stops it and stays usable', async ({ page, baseURL }) => {
  // Hold the model's files back, so the cancel always meets a load in progress (a first load of the
  // cheapest runtime can otherwise finish before the abort arrives).
  await page.route('**/models/mnist/**', async (route) => {
    if (!route.request().url().endsWith('manifest.json')) await new Promise((resolve) => setTimeout(resolve, 5_000));
    await route.continue().catch(() => undefined);
  });
  const view = await openHost(page, HOST);
  const controller = new AbortController();
  const load = view.model.load(MANIFEST, LOAD, { signal: controller.signal });
  await expect.poll(() => view.messages().some((m) => m['event'] === 'progress')).toBe(true);
  controller.abort();
  expect(await codeOf(load)).toBe('ABORTED');
  await expect
    .poll(() => view.messages().find((m) => (m['result'] as { cancelled?: boolean } | undefined)?.cancelled !== undefined))
    .toMatchObject({ ok: true, result: { cancelled: true } });
  // The page's own reply for the cancelled load arrives later and is dropped by the client.
  await expect.poll(() => view.messages().find((m) => (m['error'] as { code?: string } | undefined)?.code === 'ABORTED'), { timeout: 30_000 }).toBeDefined();
  expect(await view.model.info().catch((e: { code: string }) => e.code)).toBe('DISPOSED'); // the page kept no model
  const already = new AbortController();
  already.abort();
  expect(await codeOf(view.model.predict(new Float32Array(784), { signal: already.signal }))).toBe('ABORTED');
  await view.model.load(MANIFEST, LOAD);
  const digit = (await goldenDigits(baseURL!))[0]!;
  expect((await view.model.predict(digit.input)).label).toBe(digit.label);
});

test('timeouts reject with TIMEOUT; dispose releases the model and later calls say DISPOSED', async ({ page }) => {
  const view = await openHost(page, HOST);
  expect(await codeOf(view.model.load(MANIFEST, LOAD, { timeoutMs: 1 }))).toBe('TIMEOUT');
  await view.model.load(MANIFEST, LOAD);
  await view.model.dispose();
  const error = await view.model.predict(new Float32Array(784)).catch((e: unknown) => e as { code: string; details: Record<string, unknown> });
  expect(error).toMatchObject({ name: 'ModelshipError', code: 'DISPOSED', details: { protocol: 'not-loaded' } });
});

test('bad input from the app: library codes naming the field', async ({ page }) => {
  const view = await openHost(page, HOST);
  await view.model.load(MANIFEST, LOAD);
  expect(await view.model.predict(new Float32Array(10)).catch((e: { code: string }) => e.code)).toBe('INPUT_INVALID');
  const bad = await view.model.predict({ image: 'data:image/png;base64,AAAA' }).catch((e: { code: string; details: Record<string, unknown> }) => e);
  expect(bad).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'payload.input.image' } });
  expect(await view.model.predict({ image: 'https://example.com/x.png' }).catch((e: { code: string }) => e.code)).toBe('INPUT_INVALID');
});
