import { expect, test, type Page } from '@playwright/test';
import { startFixtureServer, type FixtureServer } from './fixtures/server.js';

/*
 * Runs through memory shared with the worker (src/worker/shared-slot.ts) on a cross-origin isolated
 * page, from the built bundle: the same answers as runs sent as messages, concurrent calls (one takes
 * the slot, the others go as messages), cancellation, and `info().transport` saying which and why.
 */
const MANIFEST = '/models/mnist/manifest.json';

function classify(page: Page, options: Record<string, unknown>) {
  return page.evaluate(
    async ({ manifestUrl, options }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
      const model = await loadModel(manifestUrl, { wasmPaths: '/wasm/', cache: 'memory', ...options });
      try {
        const golden = ((await (await fetch(manifestUrl)).json()) as { golden: { inputUint8: string; label: number }[] }).golden;
        const inputs = golden.map((g) => Float32Array.from(atob(g.inputUint8), (c) => c.charCodeAt(0) / 255));
        // Counts the runs posted to the worker as messages (RunRequest: { id, feeds }).
        let messages = 0;
        const post = Worker.prototype.postMessage;
        Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
          if (typeof message === 'object' && message !== null && 'feeds' in message) messages++;
          return (post as (...args: unknown[]) => void).call(this, message, ...rest);
        };
        // One at a time: each through the slot.
        const oneByOne = [];
        for (const input of inputs) oneByOne.push(await model.predict(input));
        const oneByOneMessages = messages;
        // All at once: the first takes the slot, the others are messages.
        const atOnce = await Promise.all(inputs.map((input) => model.predict(input)));
        const atOnceMessages = messages - oneByOneMessages;
        // Aborted in flight: rejects at once; the next call still answers.
        const controller = new AbortController();
        const aborted = model.predict(inputs[0]!, { signal: controller.signal });
        controller.abort();
        const abortCode = await aborted.then(
          () => 'resolved',
          (error: { code?: string }) => error.code,
        );
        const after = await model.predict(inputs[1]!);
        return {
          isolated: crossOriginIsolated,
          transport: model.info().transport,
          runtime: model.info().runtime,
          expected: golden.map((g) => g.label),
          oneByOne: oneByOne.map((p) => ({ index: p.index, scores: p.scores })),
          atOnce: atOnce.map((p) => ({ index: p.index, scores: p.scores })),
          abortCode,
          after: after.index,
          oneByOneMessages,
          atOnceMessages,
        };
      } finally {
        await model.dispose();
      }
    },
    { manifestUrl: MANIFEST, options },
  );
}

test.describe('cross-origin isolated page: runs through shared memory', () => {
  let server: FixtureServer;
  test.beforeAll(async () => {
    server = await startFixtureServer({ crossOriginIsolation: true });
  });
  test.afterAll(async () => {
    await server?.close();
  });

  for (const [variant, runtime] of [
    ['fp32', 'onnx-wasm'],
    ['tfjs-uint8', 'tfjs-wasm'],
  ] as const) {
    test(`${runtime}: every golden digit, one by one and all at once, the same answers; abort; info().transport`, async ({ page }) => {
      await page.goto(`${server.url}/empty.html`);
      const result = await classify(page, { variant, backends: [runtime] });
      expect(result.isolated).toBe(true);
      expect(result.runtime).toBe(runtime);
      expect(result.transport?.kind).toBe('shared-memory');
      expect(result.transport?.reason).toMatch(/cross-origin isolated/);
      expect(result.oneByOne.map((p) => p.index)).toEqual(result.expected);
      expect(result.oneByOneMessages).toBe(0);
      expect(result.atOnceMessages).toBe(result.expected.length - 1);
      // Through the slot or as a message, the same scores to the last bit.
      expect(result.atOnce).toEqual(result.oneByOne);
      expect(result.abortCode).toBe('ABORTED');
      expect(result.after).toBe(result.expected[1]);
    });
  }
});

test('a page that is not cross-origin isolated sends runs as messages and says why', async ({ page }) => {
  await page.goto('/empty.html');
  const result = await classify(page, { variant: 'fp32', backends: ['onnx-wasm'] });
  expect(result.isolated).toBe(false);
  expect(result.transport?.kind).toBe('message');
  expect(result.transport?.reason).toMatch(/not cross-origin isolated/);
  expect(result.oneByOne.map((p) => p.index)).toEqual(result.expected);
  expect(result.oneByOneMessages).toBe(result.expected.length);
  expect(result.atOnce).toEqual(result.oneByOne);
});
