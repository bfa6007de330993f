import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { downloadVerified } from '../../src/fetch/download.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { PartialStore } from '../../src/store/partial-store.js';
import { startServer, type TestServer } from './helpers/file-server.js';
import { resumableFile, sha256Of, type ResumableFile } from './helpers/resumable-file.js';
import { start, tempDir, type Started } from '../../server/test/helpers.js';

const SIZE = 256 * 1024;
const v1 = new Uint8Array(SIZE).map((_, i) => (i * 7) % 251);
const v2 = new Uint8Array(SIZE).map((_, i) => (i * 13 + 5) % 253);
const fast = { attempts: 3, baseMs: 1, capMs: 5 };
const sentTotal = (file: ResumableFile): number => file.log.reduce((sum, exchange) => sum + exchange.sent, 0);

describe('downloadVerified resumes with Range + If-Range', () => {
  let server: TestServer;
  let file: ResumableFile;
  beforeEach(async () => {
    file = resumableFile(v1);
    server = await startServer({ '/model.bin': file.handler });
  });
  afterEach(() => server.close());
  const request = (sha256: string) => ({ url: `${server.url}/model.bin`, expectedBytes: SIZE, sha256, backoff: fast });

  it('continues a cut download with a 206: byte-exact, and fewer bytes sent than a restart', async () => {
    file.cutNextAfter(100_000);
    const bytes = await downloadVerified(request(sha256Of(v1)));
    assert.deepEqual(bytes, v1);
    const [first, second] = file.log;
    assert.equal(file.log.length, 2);
    assert.equal(first?.range, undefined);
    const offset = Number(/^bytes=(\d+)-$/.exec(second?.range ?? '')?.[1]);
    assert.ok(offset > 0 && offset <= 100_000, `resumed at ${second?.range}`);
    assert.equal(second?.ifRange, file.etag());
    assert.equal(second?.status, 206);
    assert.ok(sentTotal(file) < SIZE + 100_000, `sent ${sentTotal(file)} bytes in all`);
  });

  it('restarts cleanly from zero when the file changed (If-Range fails → 200), and verifies the new file', async () => {
    const firstEtag = file.etag();
    file.cutNextAfter(100_000, () => file.change(v2));
    const bytes = await downloadVerified(request(sha256Of(v2)));
    assert.deepEqual(bytes, v2);
    assert.equal(file.log[1]?.ifRange, firstEtag);
    assert.equal(file.log[1]?.status, 200);
  });

  it('never splices two files: a changed file that the manifest does not describe is INTEGRITY_MISMATCH', async () => {
    file.cutNextAfter(100_000, () => file.change(v2));
    await assert.rejects(downloadVerified(request(sha256Of(v1))), (error) => isModelshipError(error, 'INTEGRITY_MISMATCH'));
    assert.equal(file.log.at(-1)?.status, 200);
  });

  it('refetches the whole file when a broken server splices a changed file into a 206', async () => {
    file.cutNextAfter(100_000, () => file.change(v2));
    file.ignoreIfRange = true;
    assert.deepEqual(await downloadVerified(request(sha256Of(v2))), v2);
    assert.deepEqual(file.log.map((exchange) => exchange.status), [200, 206, 200]);
  });

  it('asks for the whole file when a resume request fails outright (a host refusing the If-Range preflight)', async () => {
    file.cutNextAfter(100_000);
    const refusing: typeof fetch = (input, init) =>
      new Headers(init?.headers).has('if-range') ? Promise.reject(new TypeError('Failed to fetch')) : fetch(input, init);
    assert.deepEqual(await downloadVerified({ ...request(sha256Of(v1)), fetch: refusing }), v1);
    assert.deepEqual(file.log.map((exchange) => exchange.range), [undefined, undefined]);
  });

  it('resumes across calls from the partial record, then clears it', async () => {
    const partials = new PartialStore(createMemoryStore());
    file.cutNextAfter(150_000);
    const first = { ...request(sha256Of(v1)), resume: partials, checkpointBytes: 16 * 1024, backoff: { attempts: 1, baseMs: 1, capMs: 1 } };
    await assert.rejects(downloadVerified(first), (error) => isModelshipError(error, 'NETWORK'));
    const saved = await partials.load(sha256Of(v1));
    assert.ok(saved && saved.bytes.length > 0, 'a partial record was kept');
    assert.deepEqual(saved.bytes, v1.subarray(0, saved.bytes.length));
    const progress: number[] = [];
    const bytes = await downloadVerified({ ...first, onBytes: (loaded) => progress.push(loaded) });
    assert.deepEqual(bytes, v1);
    assert.equal(file.log[1]?.range, `bytes=${saved.bytes.length}-`);
    assert.equal(progress[0], saved.bytes.length, 'progress starts where the saved bytes end');
    assert.equal(await partials.load(sha256Of(v1)), undefined);
  });

  it('drops a partial record of an older file and starts over', async () => {
    const partials = new PartialStore(createMemoryStore());
    file.cutNextAfter(150_000);
    const opts = { ...request(sha256Of(v2)), resume: partials, checkpointBytes: 16 * 1024, backoff: { attempts: 1, baseMs: 1, capMs: 1 } };
    await assert.rejects(downloadVerified(opts));
    file.change(v2);
    assert.deepEqual(await downloadVerified(opts), v2);
    assert.equal(file.log[1]?.status, 200);
    assert.equal(await partials.load(sha256Of(v2)), undefined);
  });
});

/**
 * The reference server never drops a socket by itself, so the transport cuts the first body after
 * `cutAt` bytes (as a lost connection would) and records every exchange.
 */
function cuttingFetch(cutAt: number, onCut?: () => void) {
  const seen: { range: string | null; ifRange: string | null; status: number }[] = [];
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const response = await fetch(input, init);
    seen.push({ range: headers.get('range'), ifRange: headers.get('if-range'), status: response.status });
    if (seen.length > 1 || !response.body) return response;
    const reader = response.body.getReader();
    let passed = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const room = cutAt - passed;
        if (value.byteLength < room) {
          passed += value.byteLength;
          return controller.enqueue(value);
        }
        controller.enqueue(value.subarray(0, room));
        await reader.cancel();
        onCut?.();
        controller.error(new TypeError('terminated'));
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: wrapped as typeof fetch, seen };
}

describe('downloadVerified against the reference server (strong ETags, Range, If-Range)', () => {
  let server: Started;
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  before(async () => {
    tmp = tempDir('resume');
    mkdirSync(join(tmp.dir, 'models'));
    path = join(tmp.dir, 'models', 'model.bin');
    server = await start({ static: { models: join(tmp.dir, 'models'), demo: tmp.dir, dist: tmp.dir, wasm: tmp.dir } });
  });
  after(async () => {
    await server.close();
    tmp.remove();
  });

  it('resumes with a 206 after a cut and returns the exact file', async () => {
    writeFileSync(path, v1);
    const transport = cuttingFetch(90_000);
    const bytes = await downloadVerified({ url: `${server.url}/models/model.bin`, expectedBytes: SIZE, sha256: sha256Of(v1), backoff: fast, fetch: transport.fetch });
    assert.deepEqual(bytes, v1);
    assert.deepEqual(transport.seen.map((exchange) => exchange.status), [200, 206]);
    assert.equal(transport.seen[1]?.range, 'bytes=90000-');
    assert.match(transport.seen[1]?.ifRange ?? '', /^"[\w-]+(\.(br|gzip))?"$/);
  });

  it('gets the whole new file (200) when it changed on the server after the cut', async () => {
    writeFileSync(path, v1);
    const transport = cuttingFetch(90_000, () => {
      writeFileSync(path, v2);
      utimesSync(path, new Date(), new Date(Date.now() + 5000)); // a new mtime, so the server recomputes its ETag
    });
    const bytes = await downloadVerified({ url: `${server.url}/models/model.bin`, expectedBytes: SIZE, sha256: sha256Of(v2), backoff: fast, fetch: transport.fetch });
    assert.deepEqual(bytes, v2);
    assert.deepEqual(transport.seen.map((exchange) => exchange.status), [200, 200]);
    assert.equal(transport.seen[1]?.range, 'bytes=90000-');
  });
});
