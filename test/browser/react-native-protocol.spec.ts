import { expect, test } from '@playwright/test';
import { goldenDigits, openHost } from './react-native-harness.js';

// Every malformed message the page can get: an error reply where it can be addressed (a warning
// event where it cannot), never a crash, never work started.
const HOST = '/react-native/';
const MANIFEST = '/models/mnist/manifest.json';

test('malformed messages get INPUT_INVALID with the reason, start nothing, and the page keeps working', async ({ page, baseURL }) => {
  const view = await openHost(page, HOST);
  await expect.poll(() => view.model.hello).toBeDefined();
  const token = view.model.token;
  const load = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ v: 1, id, token, type: 'load', payload: { manifestUrl: MANIFEST }, ...extra });
  const cases: { raw: string; id?: string; reason: string; as?: 'ios' | 'android' }[] = [
    { raw: 'not json', reason: 'json' },
    { raw: '[1,2]', reason: 'shape' },
    { raw: JSON.stringify({ v: 1, token, type: 'info' }), reason: 'id' },
    { raw: load('v2', { v: 2 }), id: 'v2', reason: 'version' },
    { raw: load('no-version', { v: undefined }), id: 'no-version', reason: 'version' },
    { raw: load('wrong-token', { token: 'guess' }), id: 'wrong-token', reason: 'token', as: 'android' },
    { raw: load('no-token', { token: undefined }), id: 'no-token', reason: 'token' },
    { raw: load('bad-type', { type: 'train' }), id: 'bad-type', reason: 'type' },
    { raw: load('bad-payload', { payload: [] }), id: 'bad-payload', reason: 'payload' },
    { raw: load('no-url', { payload: { manifestUrl: '' } }), id: 'no-url', reason: 'payload' },
    { raw: JSON.stringify({ v: 1, id: 'bad-input', token, type: 'predict', payload: { input: { pixels: [] } } }), id: 'bad-input', reason: 'payload' },
    { raw: JSON.stringify({ v: 1, id: 'bad-batch', token, type: 'predictBatch', payload: { inputs: 'x' } }), id: 'bad-batch', reason: 'payload' },
    { raw: JSON.stringify({ v: 1, id: 'bad-cancel', token, type: 'cancel', payload: {} }), id: 'bad-cancel', reason: 'payload' },
    { raw: JSON.stringify({ v: 1, id: 'big', token, type: 'info', payload: { pad: 'x'.repeat(1_100_000) } }), id: 'big', reason: 'size' },
    { raw: JSON.stringify({ v: 1, id: 'chunk-seq', token, chunk: { seq: 5, count: 2, data: '{' } }), id: 'chunk-seq', reason: 'chunk' },
    { raw: JSON.stringify({ v: 1, id: 'chunk-one', token, chunk: { seq: 0, count: 1, data: '{}' } }), id: 'chunk-one', reason: 'chunk' },
    { raw: JSON.stringify({ v: 1, id: 'chunk-token', chunk: { seq: 0, count: 2, data: '{' } }), id: 'chunk-token', reason: 'token' },
  ];
  for (const { raw, as } of cases) await view.inject(raw, as);
  // Two halves of a message that is not JSON once joined, and two chunks that disagree on count.
  await view.inject(JSON.stringify({ v: 1, id: 'joined', token, chunk: { seq: 0, count: 2, data: '{"v":1,' } }));
  await view.inject(JSON.stringify({ v: 1, id: 'joined', token, chunk: { seq: 1, count: 2, data: 'oops' } }));
  await view.inject(JSON.stringify({ v: 1, id: 'counts', token, chunk: { seq: 0, count: 2, data: '{' } }));
  await view.inject(JSON.stringify({ v: 1, id: 'counts', token, chunk: { seq: 1, count: 3, data: '}' } }));
  // Not strings at all (other scripts' window messages): ignored, no reply.
  await page.evaluate(() => window.dispatchEvent(new MessageEvent('message', { data: { v: 1, id: 'object' } })));

  const expected = [...cases, { id: 'joined', reason: 'json' }, { id: 'counts', reason: 'chunk' }];
  await expect.poll(() => view.messages().length).toBeGreaterThanOrEqual(1 + expected.length);
  const replies = view.messages().filter((m) => 'id' in m);
  const warnings = view.messages().filter((m) => m['event'] === 'warning');
  for (const { id, reason } of expected) {
    const message =
      id === undefined
        ? warnings.find((w) => (w['data'] as { details: { protocol: string } }).details.protocol === reason)
        : replies.find((r) => r['id'] === id);
    expect(message, `${id ?? 'unaddressed'} → ${reason}`).toBeDefined();
    const error = (id === undefined ? message!['data'] : message!['error']) as { code: string; details: { protocol: string } };
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.details.protocol, String(id)).toBe(reason);
  }
  expect(replies.every((r) => r['ok'] === false)).toBe(true);
  expect(replies.some((r) => r['id'] === 'object')).toBe(false);
  // Nothing was started: no progress, no model.
  expect(view.messages().some((m) => m['event'] === 'progress')).toBe(false);
  expect(await view.model.info().catch((e: { code: string }) => e.code)).toBe('DISPOSED');
  // And the page still serves a well-formed session.
  await view.model.load(MANIFEST, { variant: 'fp32', backends: ['onnx-wasm'] });
  const digit = (await goldenDigits(baseURL!))[1]!;
  expect((await view.model.predict(digit.input)).label).toBe(digit.label);
});

test('a page started without a token refuses every request', async ({ page }) => {
  const view = await openHost(page, HOST, { token: null });
  await expect(page.locator('html')).toHaveAttribute('data-modelship-host', 'no-token');
  const error = await view.model.load(MANIFEST).catch((e: { code: string; details: Record<string, unknown> }) => e);
  expect(error).toMatchObject({ code: 'INPUT_INVALID', details: { protocol: 'token' } });
  expect(view.messages().some((m) => m['event'] === 'progress')).toBe(false);
});

test('the page reloaded mid-call: pending calls reject with WORKER_CRASHED, the next call re-loads the model', async ({ page, baseURL }) => {
  const view = await openHost(page, HOST);
  const gone: string[] = [];
  view.model.on('gone', ({ reason }) => gone.push(reason));
  await view.model.load(MANIFEST, { variant: 'fp32', backends: ['onnx-wasm'] });
  const firstInstance = view.model.hello!.instance;
  const digits = await goldenDigits(baseURL!);
  // The page answers, but the answer never reaches the app: the call is still pending when the page restarts.
  view.loseReplies(true);
  const inFlight = view.model.predictBatch(Array.from({ length: 64 }, () => digits[0]!.input)).then(
    () => 'resolved',
    (e: { code: string; details: Record<string, unknown> }) => e,
  );
  await expect.poll(() => view.lost.length).toBeGreaterThan(0);
  await page.reload();
  expect(await inFlight).toMatchObject({ code: 'WORKER_CRASHED', details: { webview: 'page-reloaded' } });
  view.loseReplies(false);
  await expect.poll(() => view.model.hello?.instance).not.toBe(firstInstance);
  expect(gone).toEqual(['page-reloaded']);
  const prediction = await view.model.predict(digits[2]!.input);
  expect(prediction.label).toBe(digits[2]!.label);
  const loads = view.messages().filter((m) => m['event'] === 'progress' && (m['data'] as { type: string }).type === 'ready');
  expect(loads.length).toBe(2); // the client sent load again to the new page by itself
});

test('process death: pending calls reject at once; after the WebView restarts the next call re-loads', async ({ page, baseURL }) => {
  const view = await openHost(page, HOST);
  await view.model.load(MANIFEST, { variant: 'fp32', backends: ['onnx-wasm'] });
  const digits = await goldenDigits(baseURL!);
  const pending = view.model.predictBatch(Array.from({ length: 64 }, () => digits[0]!.input));
  void pending.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the call is on the bridge, its reply not back yet (a batch of 64 takes longer)
  const started = Date.now();
  // What the component does on onRenderProcessGone / onContentProcessDidTerminate.
  view.model.handleProcessGone('render-process-killed');
  const error = await pending.catch((e: { code: string; details: Record<string, unknown> }) => e);
  expect(Date.now() - started).toBeLessThan(50);
  expect(error).toMatchObject({ code: 'WORKER_CRASHED', details: { webview: 'render-process-killed' } });
  // The component re-creates the WebView: here, a fresh navigation of the same page.
  const next = view.model.predict(digits[3]!.input);
  await page.reload();
  expect((await next).label).toBe(digits[3]!.label);
});
