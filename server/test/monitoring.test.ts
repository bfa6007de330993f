import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadModel } from '../../src/load/load-model.js';
import { createServer } from '../src/index.js';
import { REPOSITORY, start, type Started } from './helpers.js';
import { serveMnist, WASM_PATHS } from '../../test/node/helpers/static-models.js';
import { heldOutTestDigits, toRgba } from '../../test/node/helpers/mnist-digits.js';

const report = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  schema: 1,
  model: 'mnist',
  version: '1.0.0',
  channel: 'stable',
  predictions: 10,
  route: { local: 10 },
  runtime: { 'onnx-wasm': 10 },
  variant: { int8: 10 },
  latency: { boundsMs: [0.5, 1, 2], counts: [4, 5, 1, 0] },
  errors: { INVALID_INPUT: 1 },
  fallbacks: {},
  abstentions: { empty: 1, 'out-of-distribution': 2, 'low-confidence': 0 },
  cache: { hit: 1, stored: 0, uncached: 0 },
  drift: { inkMass: { jensenShannon: 0.05, psi: 0.02 } },
  ...overrides,
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}/monitoring/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('monitoring reports and dashboard', () => {
  let s: Started;
  before(async () => {
    s = await start({ monitoringPeriodMs: 1000 });
  });
  after(() => s.close());

  it('accepts reports into Prometheus series per model, version and channel, and into the dashboard data', async () => {
    const response = await post(s.url, { reports: [report(), report({ version: '1.1.0', channel: 'canary', predictions: 4, route: { remote: 4 } })] });
    assert.equal(response.status, 202);
    assert.deepEqual(await response.json(), { accepted: 2 });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /modelship_device_predictions_total\{model="mnist",version="1.0.0",channel="stable",route="local",runtime="",variant=""\} 10/);
    assert.match(metrics, /modelship_device_predictions_total\{model="mnist",version="1.1.0",channel="canary",route="remote",runtime="",variant=""\} 4/);
    assert.match(metrics, /modelship_device_abstentions_total\{model="mnist",version="1.0.0",channel="stable",reason="out-of-distribution"\} 2/);
    assert.match(metrics, /modelship_device_errors_total\{model="mnist",version="1.0.0",channel="stable",code="INVALID_INPUT"\} 1/);
    assert.match(metrics, /modelship_device_predict_latency_ms_bucket\{model="mnist",version="1.0.0",channel="stable",le="1"\} 9/);
    assert.match(metrics, /modelship_device_predict_latency_ms_bucket\{model="mnist",version="1.0.0",channel="stable",le="\+Inf"\} 10/);
    assert.match(metrics, /modelship_device_drift\{model="mnist",version="1.0.0",channel="stable",quantity="inkMass",statistic="jensen-shannon"\} 0.05/);
    assert.match(metrics, /modelship_device_loads_total\{model="mnist",version="1.0.0",channel="stable",cache="hit"\} 1/);
    const data = (await (await fetch(`${s.url}/dashboard/data.json`)).json()) as {
      series: { version: string; channel: string; points: { predictions: number }[] }[];
    };
    assert.deepEqual(
      data.series.map((x) => [x.version, x.channel, x.points[0]!.predictions]),
      [
        ['1.0.0', 'stable', 10],
        ['1.1.0', 'canary', 4],
      ],
    );
  });

  it('refuses malformed reports with 400 naming the field, and oversized ones with 413', async () => {
    const cases: [unknown, RegExp][] = [
      ['not json', /body is not JSON/],
      [{ reports: [] }, /reports must be an array/],
      [{ reports: [report({ predictions: -1 })] }, /reports\[0\]\.predictions/],
      [{ reports: [report({ model: '<script>' })] }, /reports\[0\]\.model/],
      [{ reports: [report({ pixels: [0, 1] })] }, /reports\[0\]\.pixels is not a report field/],
      [{ reports: [report({ latency: { boundsMs: [1, 2], counts: [1] } })] }, /reports\[0\]\.latency/],
      [{ reports: [report({ drift: { inkMass: { jensenShannon: 'x', psi: 0 } } })] }, /reports\[0\]\.drift\.inkMass\.jensenShannon/],
    ];
    for (const [body, message] of cases) {
      const response = await post(s.url, body);
      assert.equal(response.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match(((await response.json()) as { error: string }).error, message);
    }
    const huge = await post(s.url, { reports: [report({ channel: 'x'.repeat(300 * 1024) })] });
    assert.equal(huge.status, 413);
    assert.equal((await fetch(`${s.url}/monitoring/reports`)).status, 405);
  });

  it('serves the dashboard page and uPlot from this package (no CDN)', async () => {
    const page = await (await fetch(`${s.url}/dashboard`)).text();
    assert.match(page, /<script src="\/dashboard\/uPlot\.iife\.min\.js"><\/script>/);
    assert.doesNotMatch(page, /https?:\/\//);
    const uplot = await fetch(`${s.url}/dashboard/uPlot.iife.min.js`);
    assert.equal(uplot.status, 200);
    assert.match(await uplot.text(), /uPlot/);
    assert.equal((await fetch(`${s.url}/dashboard/uPlot.min.css`)).status, 200);
    assert.equal((await fetch(`${s.url}/dashboard/nope.js`)).status, 404);
  });
});

describe('monitoring with a token', () => {
  it('authenticates reports and the dashboard data like inference', async () => {
    const s = await start({ token: 'sesame' });
    try {
      assert.equal((await post(s.url, { reports: [report()] })).status, 401);
      assert.equal((await post(s.url, { reports: [report()] }, { authorization: 'Bearer nope' })).status, 401);
      assert.equal((await post(s.url, { reports: [report()] }, { authorization: 'Bearer sesame' })).status, 202);
      assert.equal((await fetch(`${s.url}/dashboard/data.json`)).status, 401);
      assert.equal((await fetch(`${s.url}/dashboard`)).status, 200, 'the page itself asks for the token');
    } finally {
      await s.close();
    }
  });
});

describe('the library reports to the server', () => {
  it('sends aggregated reports on its interval; offline they wait in the outbox and go later', async () => {
    const models = await serveMnist();
    const s = await start({ token: 't0k' });
    const port = new URL(s.url).port;
    await s.close(); // the endpoint is down first
    const model = await loadModel(`${models.url}/models/mnist/manifest.json`, {
      worker: false,
      wasmPaths: WASM_PATHS,
      cache: 'memory',
      monitoring: { endpoint: `${s.url}/monitoring/reports`, intervalMs: 60, token: 't0k' },
    });
    let restarted: Started | undefined;
    try {
      const digits = heldOutTestDigits()
        .pictures.slice(0, 20)
        .map((p) => toRgba(p));
      await model.predictBatch(digits);
      const deadline = Date.now() + 5000;
      while (model.monitoring().reports.queued === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 30));
      assert.ok(model.monitoring().reports.queued > 0, 'a failed send is queued');
      // Back on the same port, so the configured endpoint answers again.
      const again = createServer({ modelRepository: REPOSITORY, static: false, token: 't0k' });
      await again.listen(Number(port), '127.0.0.1');
      restarted = { server: again, url: `http://127.0.0.1:${port}`, close: () => again.close() };
      await model.predict(digits[0]!);
      while (model.monitoring().reports.queued > 0 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 30));
      assert.equal(model.monitoring().reports.queued, 0);
      const metrics = await (await fetch(`${restarted.url}/metrics`)).text();
      const total = [
        ...metrics.matchAll(/modelship_device_predictions_total\{model="mnist",version="1\.0\.0",channel="default",route="local"[^}]*\} (\d+)/g),
      ].reduce((a, m) => a + Number(m[1]), 0);
      assert.equal(total, 21, 'the 20 queued and the 1 new prediction all arrived');
    } finally {
      await model.dispose();
      await restarted?.close();
      await models.close();
    }
  });
});
