import { expect, test, type Page } from '@playwright/test';
import { startInferenceServer } from './remote-server.js';

const MANIFEST = '/models/mnist/manifest.json';
type Lib = typeof import('../../src/index.js');

/** Loads a model in the page with these options, predicts every golden digit, and reports what the app sees. */
function classifyGolden(page: Page, options: Record<string, unknown>) {
  return page.evaluate(
    async ({ manifest, options }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
      const fallbacks: string[] = [];
      const model = await loadModel(manifest, { wasmPaths: '/wasm/', cache: 'memory', onFallback: (e) => fallbacks.push(e.reason), ...options });
      const data = await (await fetch(manifest)).json();
      const labels: string[] = [];
      const routes: string[] = [];
      for (const vector of data.golden) {
        const bytes = Uint8Array.from(atob(vector.inputUint8), (c) => c.charCodeAt(0));
        const answer = await model.predict(Float32Array.from(bytes, (b) => b / 255));
        labels.push(answer.label);
        routes.push(`${answer.route}/${answer.runtime}`);
      }
      const info = model.info();
      await model.dispose();
      return { labels, routes, expected: data.golden.map((g: { label: number }) => String(g.label)), reason: info.reason, route: info.route, fallbacks };
    },
    { manifest: MANIFEST, options },
  );
}

test('a weak device (probe override) is answered by the remote with the same labels as local', async ({ page }) => {
  const server = await startInferenceServer();
  try {
    await page.goto('/empty.html');
    const remote = await classifyGolden(page, {
      remote: { url: server.url, protocol: 'v2' },
      device: { webgpu: { available: false }, wasm: { simd: false, threads: false } },
    });
    const local = await classifyGolden(page, { variant: 'fp32' });
    expect(remote.route).toBe('remote');
    expect(remote.reason).toContain('no WebGPU and no WebAssembly SIMD');
    expect(new Set(remote.routes)).toEqual(new Set(['remote/remote-v2']));
    expect(remote.labels).toEqual(local.labels);
    expect(remote.labels).toEqual(remote.expected);
  } finally {
    await server.close();
  }
});

/** Loads per step of the throttling test (each about a second); 3 failed one full run in 13. */
const ATTEMPTS = 5;

/** `load` until `done` holds or ATTEMPTS loads were made; the last result, for the caller's assertion. */
async function upToAttempts<T>(load: () => Promise<T>, done: (result: T) => boolean): Promise<T> {
  let result = await load();
  for (let attempt = 1; attempt < ATTEMPTS && !done(result); attempt++) result = await load();
  return result;
}

test('a CPU throttled through the DevTools protocol misses the latency budget and goes remote', async ({ page }) => {
  // About 11 s when the first attempts succeed; room for every retry, which throttled loads make slower.
  test.setTimeout(120_000);
  const server = await startInferenceServer();
  const remote = { url: server.url, protocol: 'v2' };
  // The library's own measurement (engine round trips over a 250 ms window; "local predict takes X ms"
  // in the reason), read with a budget it always misses: the test compares what the library compares.
  const measuredMs = async (): Promise<number> => {
    const { reason } = await classifyGolden(page, { variant: 'fp32', remote, latencyBudgetMs: 0.001 });
    const ms = Number(/local predict takes ([\d.]+) ms/.exec(reason)?.[1]);
    expect(ms, reason).toBeGreaterThan(0);
    return ms;
  };
  try {
    await page.goto('/empty.html');
    const cdp = await page.context().newCDPSession(page);
    // The faster of two loads: the page's first load can measure a worker still settling in.
    const fast = Math.min(await measuredMs(), await measuredMs());
    // Chromium's throttling reaches a freshly spawned worker's round trips only some of the time (seen
    // on Chromium 156: the same rate gave 47 ms one load and 1.1 ms the next), so each step gets up to
    // ATTEMPTS loads under one setting; what is tested is the library's decision on what it measured.
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
    const slow = await upToAttempts(measuredMs, (ms) => ms > fast * 3);
    expect(slow, `throttled ${slow} ms vs ${fast} ms`).toBeGreaterThan(fast * 3);
    // Between the two, so the test holds on a fast or a busy machine alike.
    const budgetMs = Math.sqrt(fast * slow);
    const classify = () => classifyGolden(page, { variant: 'fp32', remote, latencyBudgetMs: budgetMs });
    const throttled = await upToAttempts(classify, (r) => r.route === 'remote');
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    expect(throttled.route, `budget ${budgetMs} ms (${fast} vs ${slow} ms): ${throttled.reason}`).toBe('remote');
    expect(throttled.reason).toMatch(/over the .* ms budget/);
    expect(throttled.labels).toEqual(throttled.expected);

    // Up to ATTEMPTS loads here too: the rate's reset reaches a freshly spawned worker late some of the time (seen once in
    // a full run: 17.7 ms measured right after the reset, against 1.75 ms before throttling).
    const unthrottled = await upToAttempts(classify, (r) => r.route === 'local');
    expect(unthrottled.route, `budget ${budgetMs} ms (${fast} vs ${slow} ms): ${unthrottled.reason}`).toBe('local');
  } finally {
    await server.close();
  }
});

test('the server stopped mid-session: predictions continue locally, with a fallback event', async ({ page }) => {
  const server = await startInferenceServer();
  await page.goto('/empty.html');
  await page.evaluate(
    async ({ manifest, url }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
      const fallbacks: string[] = [];
      const model = await loadModel(manifest, {
        wasmPaths: '/wasm/',
        cache: 'memory',
        route: 'prefer-remote',
        remote: { url, protocol: 'v2', retries: 0, timeoutMs: 3000 },
        onFallback: (e) => fallbacks.push(`${e.from} -> ${e.to}: ${e.reason}`),
      });
      Object.assign(window, { model, fallbacks });
    },
    { manifest: MANIFEST, url: server.url },
  );
  const before = await page.evaluate(async () => (await (window as unknown as { model: { predict(x: Float32Array): Promise<{ route: string }> } }).model.predict(new Float32Array(784))).route);
  expect(before).toBe('remote');
  await server.close();
  const after = await page.evaluate(async () => {
    const w = window as unknown as { model: { predict(x: Float32Array): Promise<{ route: string; runtime: string }>; dispose(): Promise<void> }; fallbacks: string[] };
    const answer = await w.model.predict(new Float32Array(784));
    await w.model.dispose();
    return { route: answer.route, runtime: answer.runtime, fallbacks: w.fallbacks };
  });
  expect(after.route).toBe('local');
  // auto's local route is the cheapest runtime to start (src/plan/start-cost.ts).
  expect(after.runtime).toBe('tfjs-wasm');
  expect(after.fallbacks.some((line) => line.startsWith('remote/remote-v2') && line.includes('-> local/'))).toBe(true);
});

test('a broken local backend (its wasm missing) falls back to the remote', async ({ page }) => {
  const server = await startInferenceServer();
  try {
    await page.goto('/empty.html');
    const result = await classifyGolden(page, {
      variant: 'fp32',
      backends: ['onnx-wasm'],
      wasmPaths: '/wasm-that-is-not-there/',
      loadTimeoutMs: 15_000,
      remote: { url: server.url, protocol: 'v2' },
    });
    expect(result.route).toBe('remote');
    expect(result.fallbacks.length).toBeGreaterThan(0);
    expect(result.labels).toEqual(result.expected);
  } finally {
    await server.close();
  }
});

test('the circuit breaker opens while the server is down and closes when it is back', async ({ page }) => {
  let server = await startInferenceServer();
  const port = server.port;
  try {
    await page.goto('/empty.html');
    await page.evaluate(
      async ({ manifest, url }) => {
        const { loadModel } = (await import('/dist/index.js' as string)) as Lib;
        const model = await loadModel(manifest, {
          wasmPaths: '/wasm/',
          cache: 'memory',
          route: 'prefer-remote',
          remote: { url, protocol: 'v2', retries: 0, timeoutMs: 3000, circuit: { failureThreshold: 2, halfOpenAfterMs: 500 } },
        });
        Object.assign(window, { model });
      },
      { manifest: MANIFEST, url: server.url },
    );
    const step = () =>
      page.evaluate(async () => {
        const model = (window as unknown as { model: import('../../src/index.js').Model }).model;
        const answer = await model.predict(new Float32Array(784));
        return { route: answer.route, circuit: model.info().remote?.health?.circuit };
      });
    expect((await step()).route).toBe('remote');
    await server.close();
    const down = [await step(), await step(), await step()];
    expect(down.map((s) => s.route)).toEqual(['local', 'local', 'local']);
    expect(down.at(-1)?.circuit).toBe('open');
    server = await startInferenceServer(port);
    await page.waitForTimeout(600);
    const back = await step();
    expect(back).toEqual({ route: 'remote', circuit: 'closed' });
  } finally {
    await page.evaluate(() => (window as unknown as { model?: { dispose(): Promise<void> } }).model?.dispose());
    await server.close();
  }
});
