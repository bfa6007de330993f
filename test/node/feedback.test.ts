import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadHeldOut } from '../../bench/heldout.js';
import { exportFeedback } from '../../server/src/feedback/export.js';
import { createServer, type ModelshipServer } from '../../server/src/index.js';
import { isModelshipError } from '../../src/errors.js';
import { loadModel } from '../../src/load/load-model.js';
import { Outbox } from '../../src/feedback/outbox.js';
import type { FeedbackItem } from '../../src/feedback/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { serveMnist, WASM_PATHS } from './helpers/static-models.js';

const PORT = Number(process.env['LOOP_FEEDBACK_PORT'] ?? 8473);
const emptyRepository = mkdtempSync(join(tmpdir(), 'modelship-empty-repo-'));
const dataDir = mkdtempSync(join(tmpdir(), 'modelship-feedback-client-'));
after(() => [emptyRepository, dataDir].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function feedbackServer(): Promise<ModelshipServer> {
  const server = createServer({ modelRepository: emptyRepository, static: false, feedback: { dataDir } });
  await server.listen(PORT, '127.0.0.1');
  return server;
}

describe('feedback outbox', () => {
  it('is bounded: past its capacity the oldest items give way and are returned; the same id is kept once', async () => {
    let now = 0;
    const outbox = new Outbox(createMemoryStore(), 3, () => now++);
    const item = (id: string) => ({ id }) as FeedbackItem;
    for (const id of ['a', 'b', 'c']) assert.deepEqual(await outbox.put(item(id)), []);
    assert.deepEqual(
      (await outbox.put(item('d'))).map((i) => i.id),
      ['a'],
    );
    await outbox.put(item('d'));
    assert.deepEqual(
      (await outbox.items()).map((i) => i.id),
      ['b', 'c', 'd'],
    );
  });
});

describe('model.feedback (Node, real model, real feedback server)', () => {
  const heldOut = loadHeldOut();
  const digit = (i: number): Float32Array => heldOut.images.slice(i * 784, (i + 1) * 784);

  it('without consent keeps nothing, sends nothing and rejects with CONSENT_REQUIRED', async () => {
    const models = await serveMnist();
    const seen: string[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    try {
      const base = { worker: false, wasmPaths: WASM_PATHS, cache: 'none', variant: 'fp32', fetch: spy } as const;
      for (const options of [base, { ...base, feedback: { endpoint: `http://127.0.0.1:${PORT}/feedback`, consent: false } }]) {
        const model = await loadModel(`${models.url}/models/mnist/manifest.json`, options);
        const prediction = await model.predict(digit(0));
        assert.match(prediction.id, /^[0-9a-f]{32}$/);
        await assert.rejects(model.feedback(prediction, '3'), (e) => isModelshipError(e, 'CONSENT_REQUIRED'));
        await model.dispose();
      }
      assert.ok(
        seen.every((url) => !url.includes('/feedback')),
        `nothing was sent to /feedback: ${seen.join(', ')}`,
      );
    } finally {
      await models.close();
    }
  });

  it('with consent sends the preprocessed input, labels and scores once; offline it queues and sends later, each item once', async () => {
    const models = await serveMnist();
    let server = await feedbackServer();
    const outbox = createMemoryStore();
    const warnings: string[] = [];
    const model = await loadModel(`${models.url}/models/mnist/manifest.json`, {
      worker: false,
      wasmPaths: WASM_PATHS,
      cache: 'none',
      variant: 'fp32',
      feedback: { endpoint: `http://127.0.0.1:${PORT}/feedback`, consent: true, store: outbox, timeoutMs: 2000 },
      onWarning: (w) => warnings.push(w.code),
    });
    try {
      const [a, b, c] = await model.predictBatch([digit(0), digit(300), digit(600)]);
      assert.notEqual(a!.id, b!.id);
      assert.deepEqual(await model.feedback(a!, '9'), { id: a!.id, status: 'sent' });
      await assert.rejects(model.feedback(a!, 'ten'), (e) => isModelshipError(e, 'INPUT_INVALID') && e.details['field'] === 'label');
      await assert.rejects(model.feedback('nope', 1), (e) => isModelshipError(e, 'INPUT_INVALID') && e.details['field'] === 'prediction');

      await server.close(); // offline
      assert.deepEqual(await model.feedback(b!.id, 4), { id: b!.id, status: 'queued' });
      assert.ok(warnings.includes('FEEDBACK_QUEUED'));
      assert.equal((await outbox.keys()).length, 1);

      server = await feedbackServer(); // back online: the next feedback sends what waited first
      assert.deepEqual(await model.feedback(c!, 2), { id: c!.id, status: 'sent' });
      assert.equal((await outbox.keys()).length, 0);
      assert.deepEqual(await model.feedback(a!, '9'), { id: a!.id, status: 'sent' }); // a replay: stored once
      await server.close();

      const exported = exportFeedback(dataDir, 'mnist', join(dataDir, 'export'));
      assert.equal(exported.count, 3);
      assert.deepEqual(exported.counts.filter((n) => n > 0).length, 3);
      const stored = exported.count === 3 ? [a!, b!, c!] : [];
      assert.ok(stored.every((p) => p.version === '1.0.0'));
    } finally {
      await model.dispose();
      await server.close();
      await models.close();
    }
  });
});
