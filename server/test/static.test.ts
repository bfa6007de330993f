import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../src/index.js';
import { rawGet, start, tempDir, type Started } from './helpers.js';

describe('static hosting', () => {
  let s: Started;
  let tmp: ReturnType<typeof tempDir>;
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

  before(async () => {
    tmp = tempDir('static');
    const d = (name: string): string => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const demo = d('demo');
    writeFileSync(join(demo, 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(demo, 'app.webmanifest'), '{}');
    writeFileSync(join(demo, 'style.css'), 'body{}');
    writeFileSync(join(demo, '.env'), 'SECRET=1');
    mkdirSync(join(demo, 'sub'));
    writeFileSync(join(demo, 'sub', 'index.html'), 'sub');
    symlinkSync('/etc/hostname', join(demo, 'escape.txt'));
    writeFileSync(join(d('dist'), 'index.js'), 'export {};');
    writeFileSync(join(d('dist'), 'worker.mjs'), 'export {};');
    mkdirSync(join(tmp.dir, 'dist', 'chunks'));
    writeFileSync(join(tmp.dir, 'dist', 'chunks', 'model-CWOUFDMS.js'), 'export {};');
    writeFileSync(join(tmp.dir, 'dist', 'chunks', 'unhashed.js'), 'export {};');
    const models = d('models');
    mkdirSync(join(models, 'mnist'));
    writeFileSync(join(models, 'mnist', 'manifest.json'), '{"name":"mnist"}');
    writeFileSync(join(models, 'mnist', 'model.onnx'), payload);
    writeFileSync(join(d('wasm'), 'ort.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    s = await start({
      static: { demo, dist: join(tmp.dir, 'dist'), models, wasm: join(tmp.dir, 'wasm') },
      cors: { origins: ['https://app.example'] },
      crossOriginIsolation: true,
    });
  });
  after(async () => {
    await s.close();
    tmp.remove();
  });

  it('serves index.html at / with the right types and cache policies', async () => {
    const root = await fetch(`${s.url}/`);
    assert.equal(root.status, 200);
    assert.match(root.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(root.headers.get('cache-control'), 'no-cache');
    assert.match(await root.text(), /<title>demo/);
    const types: Array<[string, RegExp, string]> = [
      ['/dist/index.js', /^text\/javascript/, 'no-cache'],
      ['/dist/worker.mjs', /^text\/javascript/, 'no-cache'],
      // Rollup's content-hashed lazy chunks never change under their name: no revalidation on a warm visit.
      ['/dist/chunks/model-CWOUFDMS.js', /^text\/javascript/, 'public, max-age=31536000, immutable'],
      ['/dist/chunks/unhashed.js', /^text\/javascript/, 'no-cache'],
      ['/style.css', /^text\/css/, 'no-cache'],
      ['/app.webmanifest', /^application\/manifest\+json/, 'no-cache'],
      ['/wasm/ort.wasm', /^application\/wasm$/, 'public, max-age=31536000, immutable'],
      ['/models/mnist/model.onnx', /^application\/octet-stream$/, 'public, max-age=31536000, immutable'],
      ['/models/mnist/manifest.json', /^application\/json/, 'no-cache'],
    ];
    for (const [path, type, cache] of types) {
      const res = await fetch(`${s.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
      assert.equal(res.headers.get('cache-control'), cache, path);
      await res.arrayBuffer();
    }
    const sub = await fetch(`${s.url}/sub`, { redirect: 'manual' });
    assert.equal(sub.status, 301);
    assert.equal(sub.headers.get('location'), '/sub/');
    assert.equal(await (await fetch(`${s.url}/sub/`)).text(), 'sub');
  });

  it('uses a strong content ETag and answers If-None-Match with 304', async () => {
    const res = await fetch(`${s.url}/models/mnist/model.onnx`, { headers: { 'Accept-Encoding': 'identity' } });
    const etag = res.headers.get('etag') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), payload);
    const again = await fetch(`${s.url}/models/mnist/model.onnx`, { headers: { 'If-None-Match': etag, 'Accept-Encoding': 'identity' } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal((await fetch(`${s.url}/models/mnist/model.onnx`, { headers: { 'If-None-Match': `"other", W/${etag}`, 'Accept-Encoding': 'identity' } })).status, 304);
    const changed = await fetch(`${s.url}/models/mnist/model.onnx`, { headers: { 'If-None-Match': '"stale"' } });
    assert.equal(changed.status, 200);
    await changed.arrayBuffer();
  });

  it('serves single byte ranges with 206, and 416 when unsatisfiable', async () => {
    const url = `${s.url}/models/mnist/model.onnx`;
    const part = await fetch(url, { headers: { Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-199/1000');
    assert.equal(part.headers.get('content-length'), '100');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), payload.subarray(100, 200));
    const open = await fetch(url, { headers: { Range: 'bytes=990-' } });
    assert.equal(open.status, 206);
    assert.deepEqual(Buffer.from(await open.arrayBuffer()), payload.subarray(990));
    const suffix = await fetch(url, { headers: { Range: 'bytes=-10' } });
    assert.equal(suffix.headers.get('content-range'), 'bytes 990-999/1000');
    await suffix.arrayBuffer();
    const beyond = await fetch(url, { headers: { Range: 'bytes=5000-6000' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */1000');
    await beyond.arrayBuffer();
    // Several ranges: served whole (a server may ignore Range).
    const multi = await fetch(url, { headers: { Range: 'bytes=0-1,5-6' } });
    assert.equal(multi.status, 200);
    await multi.arrayBuffer();
  });

  it('honours If-Range only on a strong ETag match', async () => {
    const url = `${s.url}/models/mnist/model.onnx`;
    const etag = (await fetch(url, { method: 'HEAD', headers: { 'Accept-Encoding': 'identity' } })).headers.get('etag') ?? '';
    const match = await fetch(url, { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
    assert.equal(match.status, 206);
    assert.equal((await match.arrayBuffer()).byteLength, 10);
    for (const validator of ['"old"', `W/${etag}`, new Date().toUTCString()]) {
      const full = await fetch(url, { headers: { Range: 'bytes=0-9', 'If-Range': validator } });
      assert.equal(full.status, 200, validator);
      assert.equal((await full.arrayBuffer()).byteLength, 1000);
    }
  });

  it('refuses path traversal, encoded or not, and symlinks out of the root', async () => {
    for (const path of ['/models/../package.json', '/models/%2e%2e/package.json', '/models/%2E%2E%2Fpackage.json', '/%2e%2e/%2e%2e/etc/passwd', '/models/..%5c..%5cpackage.json', '/dist/%2fetc%2fpasswd', '/models/mnist/%00']) {
      const res = await rawGet(s.url, path);
      assert.ok(res.status === 403 || res.status === 404, `${path} → ${res.status}`);
      assert.doesNotMatch(res.body, /"name": "modelship"|root:/, path);
    }
    assert.equal((await rawGet(s.url, '//etc/passwd')).status, 404);
    assert.equal((await rawGet(s.url, '/.env')).status, 404);
    assert.equal((await rawGet(s.url, '/escape.txt')).status, 403);
    assert.equal((await rawGet(s.url, '/%E0%A4%A')).status, 400);
  });

  it('answers CORS preflight for allowed origins only', async () => {
    const pre = await fetch(`${s.url}/v2/models/mnist/infer`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, inference-header-content-length' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Inference-Header-Content-Length/);
    assert.match(pre.headers.get('vary') ?? '', /Origin/);
    const denied = await fetch(`${s.url}/v2/models/mnist/infer`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    const get = await fetch(`${s.url}/v2/models/mnist`, { headers: { Origin: 'https://app.example' } });
    assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(get.headers.get('access-control-expose-headers') ?? '', /Inference-Header-Content-Length/);
    await get.arrayBuffer();
  });

  it('sends COOP/COEP when cross-origin isolation is on', async () => {
    for (const path of ['/', '/wasm/ort.wasm', '/v2/health/live']) {
      const res = await fetch(`${s.url}${path}`);
      assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin', path);
      assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp', path);
      await res.arrayBuffer();
    }
  });

  it('serves the package folders by default and 404s unknown paths as JSON', async () => {
    const d = await start({ static: {} }); // default roots relative to the package root
    try {
      const model = await fetch(`${d.url}/models/repository/mnist/config.pbtxt`);
      assert.equal(model.status, 200);
      assert.match(await model.text(), /max_batch_size/);
      assert.equal(d.server.repository.dir, join(PACKAGE_ROOT, 'models', 'repository'));
      assert.equal((await rawGet(d.url, '/models/../package.json')).status, 403);
      const missing = await fetch(`${d.url}/models/nope.onnx`);
      assert.equal(missing.status, 404);
      assert.equal(typeof (await missing.json()).error, 'string');
      const noCoop = await fetch(`${d.url}/v2/health/live`);
      assert.equal(noCoop.headers.get('cross-origin-opener-policy'), null);
      await noCoop.arrayBuffer();
    } finally {
      await d.close();
    }
  });
});
