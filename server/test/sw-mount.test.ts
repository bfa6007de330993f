import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { start, tempDir, type Started } from './helpers.js';

describe('the service worker mapping', () => {
  let s: Started;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    tmp = tempDir('sw');
    for (const name of ['demo', 'sw', 'dist']) mkdirSync(join(tmp.dir, name));
    writeFileSync(join(tmp.dir, 'demo', 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(tmp.dir, 'demo', 'sw.js'), '// a stray source-folder copy that must not be served');
    writeFileSync(join(tmp.dir, 'demo', 'other.js'), 'export {};');
    writeFileSync(join(tmp.dir, 'sw', 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(tmp.dir, 'sw', 'secret.js'), 'not served');
    s = await start({ static: { demo: join(tmp.dir, 'demo'), dist: join(tmp.dir, 'dist'), serviceWorker: join(tmp.dir, 'sw') } });
  });
  after(async () => {
    await s.close();
    tmp.remove();
  });

  it('serves the built sw.js at /sw.js, as JavaScript that is always revalidated', async () => {
    const response = await fetch(`${s.url}/sw.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('etag') ?? '', /^"/);
    assert.match(await response.text(), /addEventListener/);
  });

  it('maps only sw.js: the rest of / is still the demo, and the folder is not browsable', async () => {
    assert.match(await (await fetch(`${s.url}/`)).text(), /<title>demo/);
    assert.equal((await fetch(`${s.url}/other.js`)).status, 200);
    assert.equal((await fetch(`${s.url}/secret.js`)).status, 404);
  });

  it('answers 404 at /sw.js when the service worker was not built', async () => {
    const bare = await start({ static: { demo: join(tmp.dir, 'demo'), serviceWorker: join(tmp.dir, 'missing') } });
    try {
      assert.equal((await fetch(`${bare.url}/sw.js`)).status, 404);
    } finally {
      await bare.close();
    }
  });
});
