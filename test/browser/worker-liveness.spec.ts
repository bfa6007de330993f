import { expect, test, type Page } from '@playwright/test';
import { startFixtureServer, type FixtureServer } from './fixtures/server.js';

/*
 * A worker that stops without an error event (`self.close()`) must be noticed by the liveness
 * check, not by the 30 s run deadline. The page wraps `Worker` so the test can make the real
 * inference worker (dist/worker.js, unchanged) close itself: at once, or instead of answering the
 * next run, which leaves that run in flight when the worker disappears.
 */
// A static import: the worker's own module (and comlink's listener) is evaluated before this body
// runs, so no message is lost while the shim loads.
const SHIM = `
import WORKER_URL;
let mode = 'normal';
self.addEventListener('message', (event) => {
  const order = event.data && event.data.__liveness;
  if (order === 'close-now') self.close();
  if (order === 'close-instead-of-reply') mode = 'close-on-reply';
});
// On a cross-origin isolated page a run's reply is written to shared memory instead (src/worker/shared-slot.ts:
// STATUS, slot 2 of the header, is its first write); the throw stops the rest of that reply.
const store = Atomics.store;
Atomics.store = function (array, index, value) {
  if (mode === 'close-on-reply' && array.buffer instanceof SharedArrayBuffer && index === 2) {
    self.postMessage({ __closedBy: 'shared-memory reply' });
    self.close();
    throw new Error('closed by the test instead of replying');
  }
  return store.call(Atomics, array, index, value);
};
// Run replies travel on the worker's own channel (src/worker/entry.ts).
const post = self.postMessage;
self.postMessage = function (message, options) {
  if (mode === 'close-on-reply' && message && typeof message.id === 'number' && 'ok' in message) {
    self.close();
    return;
  }
  return post.call(self, message, options);
};
`;

async function installShim(page: Page): Promise<void> {
  await page.addInitScript((shim) => {
    const Original = window.Worker;
    const spawned: Worker[] = [];
    (window as unknown as { __workers: Worker[] }).__workers = spawned;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        const source = shim.replace('WORKER_URL', JSON.stringify(new URL(url, location.href).href));
        super(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { ...options, type: 'module' });
        spawned.push(this);
        // Which reply the shim closed the worker instead of (the shared-memory one says so first).
        this.addEventListener('message', (event) => {
          const by = (event.data as { __closedBy?: string } | null)?.__closedBy;
          if (by) (window as unknown as { __closedBy?: string }).__closedBy = by;
        });
      }
    } as typeof Worker;
  }, SHIM);
}

type Outcome = { ok: true; label: string; ms: number; workers: number } | { ok: false; code?: string; message: string; ms: number };

async function scenario(page: Page, order: 'close-now' | 'close-instead-of-reply'): Promise<Outcome[]> {
  return page.evaluate(
    async ({ order }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
      const manifest = await (await fetch('/models/mnist/manifest.json')).json();
      const digit = Float32Array.from(
        atob(manifest.golden[0].inputUint8),
        (c) => (c.charCodeAt(0) / 255 - manifest.preprocessing.mean) / manifest.preprocessing.std,
      );
      const workers = (window as unknown as { __workers: Worker[] }).__workers;
      const model = await loadModel('/models/mnist/manifest.json', { wasmPaths: '/wasm/', variant: 'fp32', cache: 'memory', backends: ['onnx-wasm'] });
      const attempt = async (): Promise<Outcome> => {
        const started = performance.now();
        try {
          const prediction = await model.predict(digit);
          return { ok: true, label: prediction.label, ms: performance.now() - started, workers: workers.length };
        } catch (error) {
          const e = error as { code?: string; message: string };
          return { ok: false, code: e.code, message: e.message, ms: performance.now() - started };
        }
      };
      const outcomes = [await attempt()];
      workers.at(-1)!.postMessage({ __liveness: order });
      // Idle close: give the worker time to go, then call; in-flight close: call at once.
      if (order === 'close-now') await new Promise((resolve) => setTimeout(resolve, 300));
      outcomes.push(await attempt());
      outcomes.push(await attempt());
      await model.dispose();
      return outcomes;
    },
    { order },
  );
}

test.beforeEach(async ({ page }) => {
  await installShim(page);
  await page.goto('/empty.html');
});

test('a run in flight when the worker closes itself rejects WORKER_CRASHED within 1 s; the next call respawns', async ({ page }) => {
  const [before, inFlight, after] = await scenario(page, 'close-instead-of-reply');
  expect(before!.ok, JSON.stringify(before)).toBe(true);
  expect(inFlight!.ok, JSON.stringify(inFlight)).toBe(false);
  if (inFlight!.ok) return;
  expect(inFlight!.code).toBe('WORKER_CRASHED');
  console.log(`LIVENESS in-flight call rejected ${inFlight!.ms.toFixed(1)} ms after it was made`);
  expect(inFlight!.ms).toBeLessThan(1000);
  expect(after!.ok, JSON.stringify(after)).toBe(true);
  if (!after!.ok || !before!.ok) return;
  expect(after!.label).toBe(before!.label);
  expect(after!.workers).toBe(2);
});

test('a worker that closed itself while idle is replaced before the next call waits on it', async ({ page }) => {
  const [before, next, again] = await scenario(page, 'close-now');
  expect(before!.ok, JSON.stringify(before)).toBe(true);
  expect(next!.ok, JSON.stringify(next)).toBe(true);
  if (!next!.ok || !before!.ok || !again!.ok) return;
  expect(next!.ms).toBeLessThan(5000);
  expect(next!.label).toBe(before!.label);
  expect(next!.workers).toBe(2);
  expect(again!.workers).toBe(2);
});

test.describe('cross-origin isolated page: the run in flight is in shared memory', () => {
  let server: FixtureServer;
  test.beforeAll(async () => {
    server = await startFixtureServer({ crossOriginIsolation: true });
  });
  test.afterAll(async () => {
    await server?.close();
  });

  test('a shared-memory run in flight when the worker closes itself rejects WORKER_CRASHED within 1 s; the next call respawns', async ({ page }) => {
    await installShim(page);
    await page.goto(`${server.url}/empty.html`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const [before, inFlight, after] = await scenario(page, 'close-instead-of-reply');
    expect(before!.ok, JSON.stringify(before)).toBe(true);
    expect(inFlight!.ok, JSON.stringify(inFlight)).toBe(false);
    if (inFlight!.ok) return;
    expect(inFlight!.code).toBe('WORKER_CRASHED');
    expect(inFlight!.ms).toBeLessThan(1000);
    expect(after!.ok, JSON.stringify(after)).toBe(true);
    if (!after!.ok || !before!.ok) return;
    expect(after!.label).toBe(before!.label);
    expect(after!.workers).toBe(2);
    expect(await page.evaluate(() => (window as unknown as { __closedBy?: string }).__closedBy)).toBe('shared-memory reply');
  });
});
