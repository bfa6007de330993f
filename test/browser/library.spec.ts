import { expect, test, type Page } from '@playwright/test';

const MANIFEST = '/models/mnist/manifest.json';

async function openBlank(page: Page): Promise<void> {
  await page.goto('/empty.html');
}

/** Loads the model through the built bundle in the page; returns what the app would see. */
function loadInPage(page: Page, options: Record<string, unknown> = {}) {
  return page.evaluate(
    async ({ manifest, options }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
      try {
        const model = await loadModel(manifest, { wasmPaths: '/wasm/', variant: 'fp32', ...options });
        const info = model.info();
        const golden = await (await fetch(manifest)).json();
        const bytes = Uint8Array.from(atob(golden.golden[0].inputUint8), (c) => c.charCodeAt(0));
        const prediction = await model.predict(Float32Array.from(bytes, (b) => b / 255));
        await model.dispose();
        return { ok: true as const, info, prediction, expected: String(golden.golden[0].label) };
      } catch (error) {
        const e = error as { code?: string; message: string; details?: Record<string, unknown> };
        return { ok: false as const, code: e.code, message: e.message, details: e.details };
      }
    },
    { manifest: MANIFEST, options },
  );
}

function countModelRequests(page: Page): { count: number } {
  const counter = { count: 0 };
  page.on('request', (request) => {
    if (request.url().endsWith('.onnx')) counter.count++;
  });
  return counter;
}

test('a first load downloads and caches; a second load transfers no model bytes', async ({ page }) => {
  const requests = countModelRequests(page);
  await openBlank(page);
  const cold = await loadInPage(page);
  expect(cold.ok, JSON.stringify(cold)).toBe(true);
  if (!cold.ok) return;
  expect(cold.info.cache.status).toBe('stored');
  expect(cold.prediction.label).toBe(cold.expected);
  expect(cold.prediction.runtime).toBe('onnx-wasm');
  expect(requests.count).toBe(1);

  await page.reload();
  const warm = await loadInPage(page);
  expect(warm.ok, JSON.stringify(warm)).toBe(true);
  if (!warm.ok) return;
  expect(warm.info.cache.status).toBe('hit');
  expect(warm.prediction.label).toBe(warm.expected);
  expect(requests.count).toBe(1);
});

test('a corrupted model file fails with INTEGRITY_MISMATCH and nothing is cached', async ({ page }) => {
  await page.route('**/mnist-fp32.onnx', async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length >> 1]! ^= 0xff;
    await route.fulfill({ response, body });
  });
  await openBlank(page);
  const result = await loadInPage(page);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe('INTEGRITY_MISMATCH');
  const stored = await page.evaluate(async () => {
    return new Promise<string[]>((resolve, reject) => {
      const open = indexedDB.open('modelship');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('entries')) return resolve([]);
        const request = db.transaction('entries').objectStore('entries').getAllKeys();
        request.onsuccess = () => resolve(request.result.map(String));
        request.onerror = () => reject(request.error);
      };
    });
  });
  expect(stored).toEqual([]);

  await page.unroute('**/mnist-fp32.onnx');
  const retry = await loadInPage(page);
  expect(retry.ok, JSON.stringify(retry)).toBe(true);
  if (retry.ok) expect(retry.info.cache.status).toBe('stored');
});

test('an invalid manifest names the offending field', async ({ page }) => {
  await page.route('**/models/mnist/manifest.json', async (route) => {
    const response = await route.fetch();
    const manifest = await response.json();
    manifest.variants[0].files[0].sha256 = 'not-a-hash';
    await route.fulfill({ response, json: manifest });
  });
  await openBlank(page);
  const result = await loadInPage(page);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe('MANIFEST_INVALID');
  expect(result.message).toContain('variants[0].files[0].sha256');
});

test('bad input is rejected with INPUT_INVALID naming the field, and the model keeps working', async ({ page }) => {
  await openBlank(page);
  const outcome = await page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const model = await loadModel(manifest, { wasmPaths: '/wasm/', cache: 'memory' });
    const codes: { code?: string; field?: unknown; message: string }[] = [];
    const bad: unknown[] = [new Float32Array(10), Float32Array.from({ length: 784 }, (_, i) => (i === 5 ? NaN : 0)), 'seven', null];
    for (const input of bad) {
      try {
        await model.predict(input as Float32Array);
        codes.push({ message: 'resolved' });
      } catch (error) {
        const e = error as { code?: string; details?: { field?: unknown }; message: string };
        codes.push({ code: e.code, field: e.details?.field, message: e.message });
      }
    }
    const after = await model.predict(new Float32Array(784));
    await model.dispose();
    return { codes, after: after.scores.length };
  }, MANIFEST);
  expect(outcome.codes.map((c) => c.code)).toEqual(['INPUT_INVALID', 'INPUT_INVALID', 'INPUT_INVALID', 'INPUT_INVALID']);
  expect(outcome.codes[1]?.message).toContain('5');
  expect(outcome.after).toBe(10);
});

test('an aborted load rejects with ABORTED', async ({ page }) => {
  await openBlank(page);
  const code = await page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const controller = new AbortController();
    const pending = loadModel(manifest, { wasmPaths: '/wasm/', cache: 'memory', signal: controller.signal });
    controller.abort();
    return pending.then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    );
  }, MANIFEST);
  expect(code).toBe('ABORTED');
});

test('the main thread keeps painting while the worker predicts', async ({ page }) => {
  await openBlank(page);
  const stats = await page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const model = await loadModel(manifest, { wasmPaths: '/wasm/', cache: 'memory' });
    const inputs = Array.from({ length: 256 }, (_, i) => Float32Array.from({ length: 784 }, (_, j) => ((i * 31 + j) % 17) / 17));
    let frames = 0;
    let worstGap = 0;
    let last = performance.now();
    let running = true;
    const tick = (time: number): void => {
      worstGap = Math.max(worstGap, time - last);
      last = time;
      frames++;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const started = performance.now();
    let batches = 0;
    while (performance.now() - started < 1500) {
      await model.predictBatch(inputs);
      batches++;
    }
    running = false;
    const elapsed = performance.now() - started;
    await model.dispose();
    return { frames, worstGap, elapsed, batches };
  }, MANIFEST);
  expect(stats.batches).toBeGreaterThan(0);
  // At 60 Hz, 1.5 s is ~90 frames; a blocked main thread would paint a handful.
  expect(stats.frames).toBeGreaterThan((stats.elapsed / 1000) * 20);
  expect(stats.worstGap).toBeLessThan(250);
});
