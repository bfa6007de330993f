import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadHeldOut } from '../../bench/heldout.js';
import { createServer } from '../../server/src/index.js';
import { loadModel } from '../../src/load/load-model.js';
import { assignBucket } from '../../src/rollout/bucket.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { ModelHost } from './helpers/versioned-models.js';
import { WASM_PATHS } from './helpers/static-models.js';

const PYTHON = '/usr/bin/python3';
const work = mkdtempSync(join(tmpdir(), 'modelship-loop-'));
const host = new ModelHost(); // a temp copy of models/mnist: the release writes there, never over models/mnist
after(async () => {
  await host.dispose();
  rmSync(work, { recursive: true, force: true });
});

/** Thin strokes: a 3×3 minimum filter, the style of the synthetic users (the model gets about half of them wrong). */
function thin(image: Float32Array): Float32Array {
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      let min = Infinity;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < 28 && xx >= 0 && xx < 28) min = Math.min(min, image[yy * 28 + xx]!);
        }
      out[y * 28 + x] = min;
    }
  }
  return out;
}

/** A client whose stored rollout bucket is `bucket`: the real per-installation mechanism, not a forced channel. */
async function clientAt(bucket: number, variant: 'fp32' | 'int8' = 'fp32') {
  const store = createMemoryStore();
  await assignBucket(store, 'mnist', () => bucket);
  return loadModel(host.manifestUrl, { worker: false, wasmPaths: WASM_PATHS, cache: store, variant, autoUpdate: false });
}

describe('the loop, end to end at small scale', () => {
  it('a retrain that does not improve on the held-out feedback fails its gate, exits 3 and releases nothing', async () => {
    // Feedback the model already gets 100% right cannot improve: the second gate must refuse.
    const heldOut = loadHeldOut();
    const folder = mkdtempSync(join(work, 'easy-'));
    const release = join(work, 'easy-release');
    cpSync(join(host.dir, 'mnist'), release, { recursive: true });
    const before = readFileSync(join(release, 'manifest.json'), 'utf8');
    const picks = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((digit) => heldOut.labels.indexOf(digit));
    writeFileSync(
      join(folder, 'images.f32'),
      Buffer.from(Float32Array.from(picks.flatMap((i) => [...heldOut.images.subarray(i * 784, (i + 1) * 784)])).buffer),
    );
    writeFileSync(join(folder, 'labels.u8'), Uint8Array.from(picks.map((i) => heldOut.labels[i]!)));
    writeFileSync(join(folder, 'meta.json'), JSON.stringify({ count: picks.length, sha256: 'test' }));
    execFileSync('node', ['models/pipeline/extract_data.mjs'], { encoding: 'utf8' });
    const run = spawnSync(PYTHON, ['models/pipeline/retrain.py', '--release-dir', release, '--feedback', folder, '--epochs', '1', '--train-subset', '500'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 3, run.stderr);
    const report = JSON.parse(run.stdout) as { gates: Record<string, boolean>; before: Record<string, number>; released: unknown };
    assert.equal(report.before['feedbackHeldOut'], 1);
    assert.equal(report.gates['feedbackHeldOutImproves'], false);
    assert.equal(report.released, null);
    assert.equal(readFileSync(join(release, 'manifest.json'), 'utf8'), before);
    assert.equal(existsSync(join(release, '1.1.0')), false);
  });

  it('feedback sent → stored → exported → retrained → gated → canary; a canary-bucket client gets the new version, a stable one does not', async () => {
    const dataDir = join(work, 'data');
    const feedbackServer = createServer({
      modelRepository: mkdtempSync(join(work, 'repo-')),
      static: false,
      feedback: { dataDir, perMinute: 100_000, burst: 1000 },
    });
    const feedbackUrl = await feedbackServer.listen(0, '127.0.0.1');
    await host.start();
    const heldOut = loadHeldOut();
    const picks = Array.from({ length: 280 }, (_, j) => j * 7);
    try {
      const model = await loadModel(host.manifestUrl, {
        worker: false,
        wasmPaths: WASM_PATHS,
        cache: 'memory',
        variant: 'fp32',
        feedback: { endpoint: `${feedbackUrl}/feedback`, consent: true, store: 'memory', recentPredictions: 300 },
      });
      const predictions = await model.predictBatch(picks.map((i) => thin(heldOut.images.slice(i * 784, (i + 1) * 784))));
      const wrong = predictions.filter((p, j) => p.index !== heldOut.labels[picks[j]!]).length;
      assert.ok(wrong > 50, `the synthetic users' style should trip the model (${wrong} wrong)`);
      for (const [j, prediction] of predictions.entries()) {
        assert.equal((await model.feedback(prediction, heldOut.labels[picks[j]!]!)).status, 'sent');
      }
      await model.dispose();
    } finally {
      await feedbackServer.close();
    }

    const exportDir = join(work, 'export');
    const exported = JSON.parse(
      execFileSync(
        process.execPath,
        ['--import', 'tsx', 'server/src/cli.ts', 'feedback', 'export', '--model', 'mnist', '--data-dir', dataDir, '--out', exportDir],
        { encoding: 'utf8' },
      ),
    ) as { count: number; sha256: string };
    assert.equal(exported.count, picks.length);

    execFileSync('node', ['models/pipeline/extract_data.mjs'], { encoding: 'utf8' });
    const release = join(host.dir, 'mnist');
    const run = spawnSync(PYTHON, ['models/pipeline/retrain.py', '--release-dir', release, '--feedback', exportDir, '--epochs', '2', '--train-subset', '2000'], {
      encoding: 'utf8',
      env: { ...process.env, RETRAIN_THREADS: '1' },
    });
    assert.equal(run.status, 0, `retrain.py exited ${run.status}: ${run.stdout}${run.stderr}`);
    const retrained = JSON.parse(run.stdout) as { gates: Record<string, boolean>; before: Record<string, number>; after: Record<string, number>; released: { version: string } };
    console.log(`retrain: ${JSON.stringify({ before: retrained.before, after: retrained.after })}`);
    assert.ok(Object.values(retrained.gates).every(Boolean));
    assert.equal(retrained.released.version, '1.1.0');
    const top = readFileSync(join(release, 'manifest.json'), 'utf8');
    const channels = (JSON.parse(top) as { channels: { name: string; version: string; share: number }[] }).channels;
    assert.deepEqual(
      channels.map((c) => [c.name, c.version, c.share]),
      [
        ['stable', '1.0.0', 0.9],
        ['canary', '1.1.0', 0.1],
      ],
    );
    type Released = {
      lineage: { training: Record<string, unknown> };
      variants: { id: string }[];
      monitoring: { energy: { center: number }; temperature: number; variants: Record<string, unknown> };
    };
    const released = JSON.parse(readFileSync(join(release, '1.1.0', 'manifest.json'), 'utf8')) as Released;
    const base = JSON.parse(top) as Released;
    assert.equal(released.lineage.training['baseVersion'], '1.0.0');
    assert.deepEqual(released.variants.map((v) => v.id), ['fp32', 'int8']);
    // The abstention block was fitted again on the new weights (calibrate.ts), not copied from 1.0.0.
    assert.notEqual(released.monitoring.energy.center, base.monitoring.energy.center);
    assert.notEqual(released.monitoring.temperature, base.monitoring.temperature);
    assert.deepEqual(Object.keys(released.monitoring.variants), ['int8']);
    assert.match(readFileSync(join(release, '1.1.0', 'MODEL_CARD.md'), 'utf8'), /<!-- monitoring:start/);
    assert.equal(released.lineage.training['feedbackSha256'], exported.sha256);
    assert.equal(released.lineage.training['feedbackCount'], picks.length);

    const canaryInt8 = await clientAt(0.95, 'int8'); // the int8 variant passes its golden proof too
    assert.deepEqual([canaryInt8.info().version, canaryInt8.info().variant], ['1.1.0', 'int8']);
    await canaryInt8.dispose();
    const canary = await clientAt(0.95);
    const stable = await clientAt(0.5);
    assert.deepEqual([canary.info().version, canary.info().channel?.name], ['1.1.0', 'canary']);
    assert.deepEqual([stable.info().version, stable.info().channel?.name], ['1.0.0', 'stable']);
    // The new version passed its golden proof on the device and answers the style it was taught.
    const digit = picks[3]!;
    assert.equal((await canary.predict(thin(heldOut.images.slice(digit * 784, (digit + 1) * 784)))).version, '1.1.0');
    await Promise.all([canary.dispose(), stable.dispose()]);

    execFileSync(PYTHON, ['models/pipeline/release.py', 'rollback', '--dir', release]);
    const rolledBack = await clientAt(0.95);
    assert.equal(rolledBack.info().version, '1.0.0');
    await rolledBack.dispose();

    writeFileSync(join(release, 'manifest.json'), top); // the canary again, then promoted
    execFileSync(PYTHON, ['models/pipeline/release.py', 'promote', '--dir', release]);
    const promoted = await clientAt(0.5);
    assert.equal(promoted.info().version, '1.1.0');
    await promoted.dispose();
  });
});
