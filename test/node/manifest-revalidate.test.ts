import assert from 'node:assert/strict';
import { cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { fetchManifest, resolveManifestUrl } from '../../src/manifest/fetch-manifest.js';
import { start, tempDir, type Started } from '../../server/test/helpers.js';
import { startServer, type TestServer } from './helpers/file-server.js';

const manifestText = readFileSync('models/mnist/manifest.json', 'utf8');
const fast = { attempts: 2, baseMs: 1, capMs: 2 };

describe('fetchManifest revalidation against the reference server', () => {
  let server: Started;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    tmp = tempDir('revalidate');
    cpSync('models/mnist/manifest.json', join(tmp.dir, 'mnist', 'manifest.json'), { recursive: true });
    server = await start({ static: { models: tmp.dir, demo: tmp.dir, dist: tmp.dir, wasm: tmp.dir } });
  });
  after(async () => {
    await server.close();
    tmp.remove();
  });

  it('exposes the ETag, gets 304 → notModified with it, and the new manifest once the file changed', async () => {
    const url = `${server.url}/models/mnist/manifest.json`;
    const first = await fetchManifest(url);
    assert.match(first.etag ?? '', /^"[\w-]+(\.(br|gzip))?"$/);
    assert.equal(first.manifest.name, 'mnist');

    const again = await fetchManifest(url, { etag: first.etag! });
    assert.deepEqual(again, { notModified: true, url, etag: first.etag });

    const changed = JSON.parse(manifestText);
    changed.version = '1.0.1';
    const file = join(tmp.dir, 'mnist', 'manifest.json');
    writeFileSync(file, JSON.stringify(changed));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const fresh = await fetchManifest(url, { etag: first.etag! });
    assert.equal(fresh.notModified, undefined);
    assert.ok(!fresh.notModified && fresh.manifest.version === '1.0.1');
    assert.notEqual(fresh.etag, first.etag);
  });
});

describe('fetchManifest revalidation against a scripted server', () => {
  let server: TestServer;
  const seen: (string | undefined)[] = [];
  before(async () => {
    server = await startServer({
      '/manifest.json': (request, response) => {
        const tag = request.headers['if-none-match'];
        seen.push(tag);
        if (tag === 'W/"v1"') return void response.writeHead(304, { etag: 'W/"v1"' }).end();
        response.writeHead(200, { 'content-type': 'application/json', etag: 'W/"v1"' }).end(manifestText);
      },
    });
  });
  after(() => server.close());

  it('sends If-None-Match only when given an ETag, and accepts a weak one', async () => {
    const url = `${server.url}/manifest.json`;
    const first = await fetchManifest(url);
    assert.equal(first.etag, 'W/"v1"');
    const second = await fetchManifest(url, { etag: 'W/"v1"' });
    assert.equal(second.notModified, true);
    const other = await fetchManifest(url, { etag: '"stale"' });
    assert.equal(other.notModified, undefined);
    assert.deepEqual(seen, [undefined, 'W/"v1"', '"stale"']);
  });

  it('marks a failure without any HTTP answer as unreachable (the cue to run the cached version)', async () => {
    const closed = await startServer({});
    const url = `${closed.url}/manifest.json`;
    await closed.close();
    await assert.rejects(fetchManifest(url, { backoff: fast }), (error) => isModelshipError(error, 'NETWORK') && error.details['unreachable'] === true);
    await assert.rejects(fetchManifest(`${server.url}/missing.json`, { backoff: fast }), (error) => isModelshipError(error, 'NETWORK') && error.details['unreachable'] === undefined);
  });

  it('resolves manifest URLs the way the cache records them', () => {
    assert.equal(resolveManifestUrl('http://a.example/m/./manifest.json'), 'http://a.example/m/manifest.json');
  });
});
