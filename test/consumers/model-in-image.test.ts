// The model-in-image release pattern: `npx modelship-bundle-model` copies a model from its server into
// the app's public folder (verified), the app is built and served without any model server, and
// loadModel still checks every byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '@playwright/test';
import { createApp, installedVersion, launch, pack, readApp, ROOT, serveStatic, sh, shAsync, tempDir } from './harness.js';

let browser: Browser;
let app: string;

before(async () => {
  const tarball = pack('library', tempDir('tarball'));
  app = createApp('image', { modelship: `file:${tarball}`, vite: installedVersion('vite') }, false);
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

describe('model-in-image', { concurrency: false }, () => {
  let modelServer = '';

  it('npx modelship-bundle-model copies the manifest and verified files from the model server, with a precache list', async () => {
    const server = await serveStatic({ models: join(ROOT, 'models') });
    modelServer = server.url;
    try {
      await shAsync(`npx modelship-bundle-model ${server.url}/models/mnist/manifest.json public/models/mnist --variant int8`, app);
    } finally {
      await server.close(); // from here on there is no model server at all
    }
    const folder = join(app, 'public', 'models', 'mnist');
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as {
      variants: { id: string; files: { path: string; sha256: string }[] }[];
    };
    assert.deepEqual(
      manifest.variants.map((v) => v.id),
      ['int8'],
    );
    const precache = JSON.parse(readFileSync(join(folder, 'precache.json'), 'utf8')) as { url: string; revision: string }[];
    assert.deepEqual(
      precache.map((entry) => entry.url),
      ['manifest.json', 'mnist-int8.onnx'],
    );
    const bytes = readFileSync(join(folder, 'mnist-int8.onnx'));
    assert.equal(precache[1]!.revision, createHash('sha256').update(bytes).digest('hex'));
  });

  it('refuses a file whose SHA-256 does not match the manifest', () => {
    const source = tempDir('tampered');
    cpSync(join(ROOT, 'models', 'mnist', 'manifest.json'), join(source, 'manifest.json'));
    const bytes = readFileSync(join(ROOT, 'models', 'mnist', 'mnist-int8.onnx'));
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(join(source, 'mnist-int8.onnx'), bytes);
    assert.throws(() => sh(`npx modelship-bundle-model ${source} out --variant int8`, app), /SHA-256 is [0-9a-f]{64}, the manifest says/);
  });

  it('the built app predicts on its first visit with no request to a model server', async () => {
    sh('npx vite build', app);
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'dist', 'models') });
    try {
      const { result, requests, failed } = await readApp(browser, `${site.url}/`);
      assert.equal(result.error, undefined, `the app failed: ${result.error}`);
      assert.equal(String(result.label), String(result.expected));
      assert.equal(result.runtime, 'onnx-wasm');
      assert.deepEqual(failed, []);
      assert.ok(requests.includes(`${site.url}/models/mnist/mnist-int8.onnx`));
      assert.deepEqual(
        requests.filter((url) => !url.startsWith(site.url)),
        [],
      );
      assert.deepEqual(
        requests.filter((url) => url.startsWith(modelServer)),
        [],
      );
    } finally {
      await site.close();
    }
  });

  it('a file changed after the build is still caught by loadModel (SHA-256)', async () => {
    const file = join(app, 'dist', 'models', 'mnist', 'mnist-int8.onnx');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(file, bytes);
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'dist', 'models') });
    try {
      const { result } = await readApp(browser, `${site.url}/`);
      assert.match(result.error ?? '', /INTEGRITY_MISMATCH/);
    } finally {
      await site.close();
    }
  });
});
