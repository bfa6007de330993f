import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, PACKAGE_ROOT, type ModelshipServer } from '../../server/src/index.js';

// The dashboard drawn by real Chromium from a real server's data: device reports and stored feedback
// of a stable and a canary version, side by side. Its own port, like the other server-owning specs.
const PORT = Number(process.env['DASHBOARD_PORT'] ?? 8476);
const base = `http://127.0.0.1:${PORT}`;

const report = (version: string, channel: string, predictions: number, abstained: number) => ({
  schema: 1,
  model: 'mnist',
  version,
  channel,
  predictions,
  route: { local: predictions },
  runtime: { 'onnx-wasm': predictions },
  variant: { fp32: predictions },
  latency: { boundsMs: [0.5, 1, 2], counts: [predictions - 1, 1, 0, 0] },
  errors: {},
  fallbacks: {},
  abstentions: { 'out-of-distribution': abstained },
  cache: { hit: 1 },
  drift: { inkMass: { jensenShannon: 0.04, psi: 0.01 } },
});

const feedback = (n: number, version: string, channel: string, right: boolean) => ({
  id: `dash-${version}-${n}`.replaceAll('.', '_'),
  createdAt: new Date().toISOString(),
  model: { name: 'mnist', version, variant: 'fp32', channel },
  label: '3',
  labelIndex: 3,
  predicted: { label: right ? '3' : '8', index: right ? 3 : 8, scores: Array.from({ length: 10 }, (_, i) => (i === (right ? 3 : 8) ? 0.91 : 0.01)) },
  input: { width: 28, height: 28, data: new Array(784).fill(0) },
});

let server: ModelshipServer;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'modelship-dashboard-'));
  server = createServer({ modelRepository: join(PACKAGE_ROOT, 'models', 'repository'), feedback: { dataDir }, monitoringPeriodMs: 1000 });
  await server.listen(PORT, '127.0.0.1');
  await server.loaded;
  const reports = await fetch(`${base}/monitoring/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reports: [report('1.0.0', 'stable', 90, 9), report('1.1.0', 'canary', 10, 2)] }),
  });
  expect(reports.status).toBe(202);
  // Stable: 3 of 4 right; canary: 4 of 5 right.
  const items = [
    ...[true, true, true, false].map((right, n) => feedback(n, '1.0.0', 'stable', right)),
    ...[true, true, true, true, false].map((right, n) => feedback(n, '1.1.0', 'canary', right)),
  ];
  for (const item of items) {
    const stored = await fetch(`${base}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item) });
    expect(stored.status).toBeLessThan(300);
  }
});

test.afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the dashboard puts canary next to stable: accuracy on feedback, abstention and latency per version', async ({ page }) => {
  await page.goto(`${base}/dashboard`);
  await expect(page.locator('body')).toHaveAttribute('data-rendered', /\d+/);
  const table = page.locator('#model-mnist table.totals');
  const row = (name: string) => table.locator('tr', { has: page.locator(`td:first-child:text-is("${name}")`) }).locator('td');
  await expect(table.locator('th')).toHaveText(['', '1.0.0 (stable)', '1.1.0 (canary)']);
  await expect(row('accuracy on feedback')).toHaveText(['accuracy on feedback', '75.0%', '80.0%']);
  await expect(row('feedback items')).toHaveText(['feedback items', '4', '5']);
  await expect(row('abstention rate')).toHaveText(['abstention rate', '10.0%', '20.0%']);
  await expect(row('latency p50 (ms)')).toHaveText(['latency p50 (ms)', '0.5', '0.5']);
  // Every chart was drawn by uPlot (a canvas each), not just the table.
  await expect(page.locator('#model-mnist .chart canvas')).toHaveCount(5);
});
