import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { downloadVerified } from '../../src/fetch/download.js';
import { isModelshipError } from '../../src/errors.js';
import { cutMidway, sendBytes, startServer, type TestServer } from './helpers/file-server.js';

const good = new Uint8Array(64 * 1024).map((_, i) => (i * 7) % 251);
const sha256 = createHash('sha256').update(good).digest('hex');
const corrupted = good.slice();
corrupted[1000]! ^= 0xff;
const fast = { attempts: 3, baseMs: 1, capMs: 5 };

describe('downloadVerified against a real HTTP server', () => {
  let server: TestServer;
  let flakyCalls = 0;
  before(async () => {
    server = await startServer({
      '/good.bin': sendBytes(good),
      '/corrupt.bin': sendBytes(corrupted),
      '/short.bin': sendBytes(good.subarray(0, 1000)),
      '/long.bin': sendBytes(new Uint8Array(good.length + 10)),
      '/cut.bin': cutMidway(good),
      '/gone.bin': sendBytes(new Uint8Array(0), 404),
      '/flaky.bin': (request, response) => {
        flakyCalls++;
        if (flakyCalls < 3) return void response.writeHead(503).end();
        sendBytes(good)(request, response);
      },
    });
  });
  after(() => server.close());

  const request = (path: string) => ({ url: server.url + path, expectedBytes: good.length, sha256, backoff: fast });

  it('returns the bytes when size and SHA-256 match, reporting progress up to the total', async () => {
    const seen: number[] = [];
    const bytes = await downloadVerified({ ...request('/good.bin'), onBytes: (loaded) => seen.push(loaded) });
    assert.deepEqual(bytes, good);
    assert.equal(seen.at(-1), good.length);
  });

  it('rejects a corrupted file with INTEGRITY_MISMATCH without retrying', async () => {
    await assert.rejects(downloadVerified(request('/corrupt.bin')), (error) => isModelshipError(error, 'INTEGRITY_MISMATCH'));
    assert.equal(server.hits.get('/corrupt.bin'), 1);
  });

  it('rejects a truncated file and a file longer than declared', async () => {
    await assert.rejects(downloadVerified(request('/short.bin')), (error) => isModelshipError(error, 'INTEGRITY_MISMATCH'));
    await assert.rejects(downloadVerified(request('/long.bin')), (error) => isModelshipError(error, 'INTEGRITY_MISMATCH'));
  });

  it('retries a connection cut mid-file, then reports NETWORK', async () => {
    await assert.rejects(downloadVerified(request('/cut.bin')), (error) => isModelshipError(error, 'NETWORK'));
    assert.equal(server.hits.get('/cut.bin'), fast.attempts);
  });

  it('retries 5xx with backoff and succeeds', async () => {
    assert.deepEqual(await downloadVerified(request('/flaky.bin')), good);
    assert.equal(flakyCalls, 3);
  });

  it('does not retry a 404', async () => {
    await assert.rejects(downloadVerified(request('/gone.bin')), (error) => isModelshipError(error, 'NETWORK'));
    assert.equal(server.hits.get('/gone.bin'), 1);
  });

  it('rejects with ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(downloadVerified({ ...request('/good.bin'), signal: controller.signal }), (error) => isModelshipError(error, 'ABORTED'));
  });
});
