import { expect, test, type BrowserContext, type Page } from '@playwright/test';

// Issue 10 items 4, 9 and 10 where the browser is the point: a worker freed by an abort during
// compilation, two tabs sharing one IndexedDB (Web Locks), a corrupted IndexedDB blob.
const MANIFEST = '/models/mnist/manifest.json';

type LoadResult =
  | { ok: true; cache: string; channel?: string; label: string; expected: string; warnings: string[]; bucket?: number }
  | { ok: false; code?: string; message: string; warnings: string[] };

/** Loads through the built bundle, predicts golden digit 0, disposes; returns what the app saw. */
function loadInPage(page: Page, options: Record<string, unknown> = {}, manifest = MANIFEST): Promise<LoadResult> {
  return page.evaluate(
    async ({ manifest, options }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
      const warnings: string[] = [];
      try {
        const model = await loadModel(manifest, { wasmPaths: '/wasm/', variant: 'fp32', onWarning: (w) => warnings.push(w.code), ...options });
        const golden = await (await fetch(manifest)).json();
        const bytes = Uint8Array.from(atob(golden.golden[0].inputUint8), (c) => c.charCodeAt(0));
        const prediction = await model.predict(Float32Array.from(bytes, (b) => b / 255));
        const info = model.info();
        await model.dispose();
        return {
          ok: true as const,
          cache: info.cache.status,
          channel: info.channel?.name,
          label: prediction.label,
          expected: String(golden.golden[0].label),
          warnings,
        };
      } catch (error) {
        const e = error as { code?: string; message: string };
        return { ok: false as const, code: e.code, message: e.message, warnings };
      }
    },
    { manifest, options },
  );
}

/** Raw IndexedDB access to the library's default store (idb-keyval: database `modelship`, store `entries`). */
function idb<T>(page: Page, action: 'keys' | 'corrupt' | 'get', key?: string): Promise<T> {
  return page.evaluate(
    ({ action, key }) =>
      new Promise<unknown>((resolve, reject) => {
        const open = indexedDB.open('modelship');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('entries', action === 'corrupt' ? 'readwrite' : 'readonly');
          const store = tx.objectStore('entries');
          if (action === 'keys') {
            const request = store.getAllKeys();
            request.onsuccess = () => resolve(request.result.map(String));
          } else if (action === 'get') {
            const request = store.get(key!);
            request.onsuccess = () => resolve(request.result);
          } else {
            const request = store.get(key!);
            request.onsuccess = () => {
              // Same length, different bytes: what a flipped bit on disk or a meddling extension leaves.
              const bytes = new Uint8Array((request.result as ArrayBuffer).slice(0));
              bytes[bytes.length - 64]! ^= 0xff;
              store.put(bytes.buffer, key!);
            };
            tx.oncomplete = () => resolve(undefined);
          }
          tx.onerror = () => reject(tx.error);
        };
      }),
    { action, key },
  ) as Promise<T>;
}

function countRequests(context: BrowserContext, suffix: string): { count: number } {
  const counter = { count: 0 };
  context.on('request', (request) => {
    if (request.url().endsWith(suffix)) counter.count++;
  });
  return counter;
}

test('an abort during compilation rejects ABORTED and terminates the worker', async ({ page }) => {
  await page.goto('/empty.html');
  const result = await page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const controller = new AbortController();
    const started = performance.now();
    try {
      await loadModel(manifest, {
        wasmPaths: '/wasm/',
        variant: 'fp32',
        backends: ['onnx-wasm'],
        cache: 'memory',
        signal: controller.signal,
        // Compilation starts in the worker right after this event; abort while it runs.
        onProgress: (event) => {
          if (event.type === 'compile') setTimeout(() => controller.abort(), 5);
        },
      });
      return { ok: true as const };
    } catch (error) {
      return { ok: false as const, code: (error as { code?: string }).code, ms: performance.now() - started };
    }
  }, MANIFEST);
  expect(result).toMatchObject({ ok: false, code: 'ABORTED' });
  // The worker that was compiling is gone, not left running for a model nobody holds.
  await expect.poll(() => page.workers().length, { timeout: 5_000 }).toBe(0);
});

test('aborting the load’s controller after the load (the unmount pattern) does not break a worker restart', async ({ page }) => {
  await page.goto('/empty.html');
  const loaded = await page.evaluate(async (manifest) => {
    const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
    const controller = new AbortController();
    const progress: string[] = [];
    // No cache: a restarted worker must download the model again, which is where the load's signal used to leak in.
    const model = await loadModel(manifest, {
      wasmPaths: '/wasm/',
      variant: 'fp32',
      cache: 'none',
      signal: controller.signal,
      onProgress: (e) => progress.push(e.type),
    });
    controller.abort();
    const golden = await (await fetch(manifest)).json();
    const input = Float32Array.from(atob(golden.golden[0].inputUint8), (c) => c.charCodeAt(0) / 255);
    Object.assign(globalThis, { model, input, progress, seen: progress.length });
    return { label: (await model.predict(input)).label, expected: String(golden.golden[0].label) };
  }, MANIFEST);
  expect(loaded.label).toBe(loaded.expected);
  // An uncaught error inside the worker: the host sees it, terminates the worker, and the next call starts a new one.
  expect(page.workers()).toHaveLength(1);
  await page
    .workers()[0]!
    .evaluate(() =>
      setTimeout(() => {
        throw new Error('worker fault injected by the test');
      }),
    )
    .catch(() => undefined);
  await expect.poll(() => page.workers().length, { timeout: 5_000 }).toBe(0);
  const after = await page.evaluate(async () => {
    const { model, input, progress, seen } = globalThis as unknown as {
      model: import('../../src/index.js').Model;
      input: Float32Array;
      progress: string[];
      seen: number;
    };
    try {
      const prediction = await model.predict(input);
      await model.dispose();
      return { ok: true as const, label: prediction.label, lateProgress: progress.slice(seen) };
    } catch (error) {
      return { ok: false as const, code: (error as { code?: string }).code, message: (error as Error).message, lateProgress: progress.slice(seen) };
    }
  });
  expect(after).toEqual({ ok: true, label: loaded.expected, lateProgress: [] });
});

test('two tabs loading the same model at once download it once and share one rollout bucket', async ({ context }) => {
  const requests = countRequests(context, 'mnist-fp32.onnx');
  // Twenty equal channels, all on the manifest's version: which one a tab lands on shows its bucket.
  await context.route(`**${MANIFEST}`, async (route) => {
    const manifest = await (await route.fetch()).json();
    manifest.channels = Array.from({ length: 20 }, (_, i) => ({ name: `arm-${i}`, version: manifest.version, share: 0.05 }));
    await route.fulfill({ json: manifest });
  });
  // A slow model download, so the two loads surely overlap: without coordination both would fetch it.
  await context.route('**/mnist-fp32.onnx', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  const [first, second] = [await context.newPage(), await context.newPage()];
  await Promise.all([first.goto('/empty.html'), second.goto('/empty.html')]);
  const [a, b] = await Promise.all([loadInPage(first), loadInPage(second)]);
  expect(a.ok && b.ok, JSON.stringify([a, b])).toBe(true);
  if (!a.ok || !b.ok) return;
  expect(a.label).toBe(a.expected);
  expect(b.label).toBe(b.expected);
  expect(requests.count).toBe(1);
  expect([a.cache, b.cache].sort()).toEqual(['hit', 'stored']);
  const stored = await idb<{ bucket: number }>(first, 'get', 'rollout:bucket:mnist');
  const storedArm = `arm-${Math.floor(stored.bucket / 0.05)}`;
  expect(a.channel).toBe(storedArm);
  expect(b.channel).toBe(storedArm);
  expect([...a.warnings, ...b.warnings]).toEqual([]);
});

test('without the Web Locks API the load still works and says tabs may download twice', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  await page.goto('/empty.html');
  const result = await loadInPage(page);
  expect(result.ok, JSON.stringify(result)).toBe(true);
  expect(result.warnings).toEqual(['LOCKS_UNAVAILABLE']);
});

test('a cached IndexedDB blob whose bytes changed is evicted, fetched again and reported; the next load is a clean hit', async ({ page }) => {
  const requests = countRequests(page.context(), 'mnist-fp32.onnx');
  await page.goto('/empty.html');
  const cold = await loadInPage(page);
  expect(cold.ok, JSON.stringify(cold)).toBe(true);
  const manifest = await (await page.request.get(MANIFEST)).json();
  const sha = manifest.variants.find((v: { id: string }) => v.id === 'fp32').files[0].sha256 as string;
  await idb(page, 'corrupt', `blob:${sha}`);

  await page.reload();
  const healed = await loadInPage(page);
  expect(healed.ok, JSON.stringify(healed)).toBe(true);
  if (!healed.ok) return;
  expect(healed.warnings).toEqual(['CACHE_CORRUPTED']);
  expect(healed.cache).toBe('stored');
  expect(healed.label).toBe(healed.expected);
  expect(requests.count).toBe(2);

  await page.reload();
  const warm = await loadInPage(page);
  expect(warm.ok && warm.cache).toBe('hit');
  expect(warm.warnings).toEqual([]);
  expect(requests.count).toBe(2);
});
