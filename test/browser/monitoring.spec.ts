import { expect, test, type Page, type Request } from '@playwright/test';

const MANIFEST = '/models/mnist/manifest.json';
// Two model loads and ~50 predictions each on a shared 2-core machine.
test.setTimeout(180_000);
const REPORT_KEYS = [
  'schema',
  'model',
  'version',
  'channel',
  'predictions',
  'route',
  'runtime',
  'variant',
  'latency',
  'errors',
  'fallbacks',
  'abstentions',
  'cache',
  'drift',
];

/** Every request the page makes that carries a body, with the body. */
function captureBodies(page: Page): { url: string; body: string }[] {
  const captured: { url: string; body: string }[] = [];
  page.on('request', (request: Request) => {
    const body = request.postDataBuffer();
    if (body) captured.push({ url: request.url(), body: body.toString('utf8') });
  });
  return captured;
}

/** Draws random strokes and digits on canvases, predicts each, and returns every input's pixels as the page saw them. */
function predictInPage(page: Page, monitoring: Record<string, unknown> | undefined) {
  return page.evaluate(
    async ({ manifest, monitoring }) => {
      const { loadModel } = (await import('/dist/index.js' as string)) as typeof import('../../src/index.js');
      const model = await loadModel(manifest, { wasmPaths: '/wasm/', cache: 'memory', ...(monitoring ? { monitoring } : {}) });
      const golden = (await (await fetch(manifest)).json()).golden as { inputUint8: string }[];
      const inputs: number[][] = [];
      let seed = 11;
      const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let i = 0; i < 40; i++) {
        const canvas = new OffscreenCanvas(96, 96);
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, 96, 96);
        ctx.strokeStyle = '#000';
        ctx.lineWidth = 6 + random() * 6;
        ctx.beginPath();
        ctx.moveTo(20 + random() * 56, 20 + random() * 56);
        for (let k = 0; k < 4; k++) ctx.lineTo(10 + random() * 76, 10 + random() * 76);
        ctx.stroke();
        const image = ctx.getImageData(0, 0, 96, 96);
        inputs.push(Array.from(image.data.filter((_, j) => j % 4 === 0)));
        await model.predict(image);
      }
      for (const g of golden) {
        const values = Float32Array.from(atob(g.inputUint8), (c) => c.charCodeAt(0) / 255);
        inputs.push(Array.from(values));
        await model.predict(values);
      }
      // Let the interval fire, then leave the page the way a user does.
      await new Promise((resolve) => setTimeout(resolve, 600));
      const before = model.monitoring();
      window.dispatchEvent(new Event('pagehide'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { inputs, monitoring: before, predictions: 40 + golden.length };
    },
    { manifest: MANIFEST, monitoring },
  );
}

test('without monitoring.endpoint nothing leaves the device', async ({ page }) => {
  await page.goto('/empty.html');
  const bodies = captureBodies(page);
  const result = await predictInPage(page, { intervalMs: 100 });
  expect(result.monitoring.versions[0]!.predictions).toBe(result.predictions);
  expect(bodies).toEqual([]);
});

test('monitored predictions send aggregated reports only: no input, no score, no per-prediction record', async ({ page, request }) => {
  await page.goto('/empty.html');
  const bodies = captureBodies(page);
  const result = await predictInPage(page, { endpoint: '/monitoring/reports', intervalMs: 200 });
  await expect.poll(() => bodies.length).toBeGreaterThan(0);
  expect(bodies.every((b) => new URL(b.url).pathname === '/monitoring/reports')).toBe(true);

  // Distinctive runs of each input: 4 consecutive non-zero pixel values, as JSON or as bytes would show them.
  const needles = new Set<string>();
  for (const input of result.inputs) {
    const inked = input.map((v, i) => [v, i] as const).filter(([v]) => v !== 0 && v !== 255 && v !== 1);
    for (let k = 0; k + 4 <= inked.length; k += 7)
      needles.add(
        inked
          .slice(k, k + 4)
          .map(([v]) => String(v))
          .join(','),
      );
  }
  expect(needles.size).toBeGreaterThan(50);
  let predictions = 0;
  for (const { body } of bodies) {
    expect(body.length).toBeLessThan(8000);
    const parsed = JSON.parse(body) as { reports: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['reports']);
    for (const report of parsed.reports) {
      expect(Object.keys(report).sort()).toEqual([...REPORT_KEYS].sort());
      predictions += report['predictions'] as number;
      // Every array is the latency histogram (bounds and counts), never a tensor or a score vector.
      const arrays: unknown[][] = [];
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) arrays.push(value);
        if (value && typeof value === 'object') Object.values(value).forEach(walk);
      };
      walk(report);
      expect(arrays.length).toBe(2);
    }
    for (const needle of needles) expect(body.includes(needle), `an input's pixels (${needle}) are in a report`).toBe(false);
  }
  expect(predictions).toBe(result.predictions);

  const metrics = await (await request.get('/metrics')).text();
  expect(metrics).toMatch(/modelship_device_predictions_total\{model="mnist",version="1\.0\.0",channel="[^"]+",route="local"/);
});
