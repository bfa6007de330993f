import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import { start, tempDir, type Started } from './helpers.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET that keeps the bytes as sent (fetch would decode Content-Encoding). */
function get(url: string, path: string, headers: Record<string, string>): Promise<Raw> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('static files served compressed', () => {
  let s: Started;
  let tmp: ReturnType<typeof tempDir>;
  // Compressible like real wasm/JS: repetitive text with some variation.
  const wasm = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `func${i % 300}(local.get ${i % 7});`).join('\n'));
  const js = Buffer.from(`export const table = ${JSON.stringify(Array.from({ length: 5000 }, (_, i) => i % 50))};`);
  const random = randomBytes(50_000);

  before(async () => {
    tmp = tempDir('compression');
    const models = join(tmp.dir, 'models');
    const wasmDir = join(tmp.dir, 'wasm');
    const dist = join(tmp.dir, 'dist');
    for (const d of [models, wasmDir, dist, join(tmp.dir, 'demo')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(wasmDir, 'ort.wasm'), wasm);
    writeFileSync(join(models, 'model.onnx'), random);
    writeFileSync(
      join(models, 'manifest.json'),
      JSON.stringify({ name: 'x', files: Array.from({ length: 200 }, (_, i) => ({ path: `f${i}`, sha256: 'a'.repeat(64) })) }),
    );
    writeFileSync(join(tmp.dir, 'demo', 'icon.png'), random.subarray(0, 5000));
    writeFileSync(join(dist, 'app.js'), js);
    // A build step's precompressed sibling (newer than the file: written after it).
    writeFileSync(join(dist, 'app.js.br'), brotliCompressSync(js));
    s = await start({ static: { demo: join(tmp.dir, 'demo'), dist, models, wasm: wasmDir }, compression: { cacheDir: join(tmp.dir, 'cache') } });
  });
  after(async () => {
    await s.close();
    tmp.remove();
  });

  /**
   * The first request starts compression in the background; a later one gets the variant. Until the
   * preferred encoding is ready another one may be served (gzip is made faster than brotli), so wait for it.
   */
  async function compressed(path: string, encoding: string, expected = encoding === 'gzip' ? 'gzip' : 'br'): Promise<Raw> {
    for (let i = 0; i < 400; i++) {
      const r = await get(s.url, path, { 'Accept-Encoding': encoding });
      if (r.headers['content-encoding'] === expected) return r;
      assert.match(String(r.headers.vary), /Accept-Encoding/, 'the uncompressed answer varies by Accept-Encoding too');
      await sleep(50);
    }
    return assert.fail(`${path} was never served compressed`);
  }

  it('negotiates brotli and gzip, each with its own strong ETag, and identity otherwise', async () => {
    const identity = await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'identity' });
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.deepEqual(identity.body, wasm);
    const br = await compressed('/wasm/ort.wasm', 'gzip, deflate, br');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['content-type'], 'application/wasm');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.equal(Number(br.headers['content-length']), br.body.length);
    assert.deepEqual(brotliDecompressSync(br.body), wasm);
    assert.ok(br.body.length < wasm.length / 5, `brotli ${br.body.length} of ${wasm.length} bytes`);
    const gz = await compressed('/wasm/ort.wasm', 'gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), wasm);
    const etags = new Set([identity.headers.etag, br.headers.etag, gz.headers.etag]);
    assert.equal(etags.size, 3, 'one ETag per encoding');
    assert.equal(br.headers.etag, `"${String(identity.headers.etag).slice(1, -1)}.br"`);
    assert.equal((await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'br;q=0, gzip' })).headers['content-encoding'], 'gzip');
    assert.equal((await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'gzip;q=0.5, br;q=0.4' })).headers['content-encoding'], 'gzip');
    assert.equal((await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': '*' })).headers['content-encoding'], 'br');
    assert.equal((await get(s.url, '/wasm/ort.wasm', {})).headers['content-encoding'], undefined);
    // Conditional requests use the ETag of the representation being selected.
    assert.equal((await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'br', 'If-None-Match': String(br.headers.etag) })).status, 304);
    assert.equal((await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'identity', 'If-None-Match': String(br.headers.etag) })).status, 200);
    // JSON (manifests) and JS too; fetch decodes transparently.
    const manifest = await compressed('/models/manifest.json', 'br');
    assert.equal(JSON.parse(brotliDecompressSync(manifest.body).toString()).name, 'x');
    assert.equal((await (await fetch(`${s.url}/models/manifest.json`)).json()).name, 'x');
  });

  it('serves Range requests from the file itself; If-Range with a variant ETag resumes', async () => {
    const br = await compressed('/wasm/ort.wasm', 'br');
    const part = await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'br', Range: 'bytes=1000-1999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-encoding'], undefined);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${wasm.length}`);
    assert.deepEqual(part.body, wasm.subarray(1000, 2000));
    // A browser that got the brotli variant resumes at the count of bytes it decoded.
    const resume = await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'br', Range: 'bytes=5000-', 'If-Range': String(br.headers.etag) });
    assert.equal(resume.status, 206);
    assert.deepEqual(resume.body, wasm.subarray(5000));
    const stale = await get(s.url, '/wasm/ort.wasm', { 'Accept-Encoding': 'br', Range: 'bytes=5000-', 'If-Range': '"stale.br"' });
    assert.equal(stale.status, 200);
  });

  it('uses a precompressed sibling at once; never sends a variant that is not smaller; leaves other types alone', async () => {
    const first = await get(s.url, '/dist/app.js', { 'Accept-Encoding': 'br' });
    assert.equal(first.headers['content-encoding'], 'br', 'the build output is used on the first request');
    assert.deepEqual(brotliDecompressSync(first.body), js);
    for (let i = 0; i < 20; i++) {
      const r = await get(s.url, '/models/model.onnx', { 'Accept-Encoding': 'br, gzip' });
      assert.equal(r.headers['content-encoding'], undefined, 'random bytes do not compress');
      assert.deepEqual(r.body, random);
      await sleep(20);
    }
    const png = await get(s.url, '/icon.png', { 'Accept-Encoding': 'br' });
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.headers.vary, undefined);
  });
});
