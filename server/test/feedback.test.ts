import assert from 'node:assert/strict';
import { parseCli } from '../src/cli.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exportFeedback } from '../src/feedback/export.js';
import { createServer } from '../src/index.js';

const EMPTY_REPOSITORY = mkdtempSync(join(tmpdir(), 'modelship-empty-repo-'));
const dirs: string[] = [EMPTY_REPOSITORY];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-feedback-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function item(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const data = Array.from({ length: 784 }, (_, i) => ((i * 7 + n) % 13 === 0 ? 1 : 0));
  return {
    id: `item-${String(n).padStart(6, '0')}`,
    createdAt: new Date(0).toISOString(),
    model: { name: 'mnist', version: '1.0.0', variant: 'fp32', channel: 'stable' },
    label: String(n % 10),
    labelIndex: n % 10,
    predicted: { label: String((n + 1) % 10), index: (n + 1) % 10, scores: Array.from({ length: 10 }, () => 0.1) },
    input: { width: 28, height: 28, data },
    ...overrides,
  };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** The real CLI in a child process, so it can be killed with SIGKILL; on the packaged repository, since the CLI refuses an empty one. */
async function spawnServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--port', '0', '--no-grpc', '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, child };
}

const killed = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe('POST /feedback (fsync’d JSON lines)', () => {
  it('keeps every acknowledged item through kill -9 right after the answer, and stores a replayed item once', async () => {
    const dataDir = tempDir();
    const first = await spawnServer(dataDir);
    const sent = 25;
    for (let n = 0; n < sent; n++) {
      const response = await post(first.url, item(n));
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { id: item(n)['id'], stored: true, duplicate: false });
    }
    await killed(first.child); // no graceful close: SIGKILL straight after the last answer
    const lines = readFileSync(join(dataDir, 'feedback', 'mnist.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(lines.length, sent);

    const second = await spawnServer(dataDir);
    try {
      for (const n of [0, 7, sent - 1]) {
        const replay = await post(second.url, item(n));
        assert.deepEqual(await replay.json(), { id: item(n)['id'], stored: false, duplicate: true });
      }
      assert.equal((await post(second.url, item(sent))).status, 200);
    } finally {
      await killed(second.child);
    }
    const exported = exportFeedback(dataDir, 'mnist', join(dataDir, 'export'));
    assert.equal(exported.count, sent + 1);
    const again = await spawnServer(dataDir); // the summary is rebuilt from the file on start
    try {
      const summary = (await (await fetch(`${again.url}/feedback/summary?model=mnist`)).json()) as {
        count: number;
        versions: Record<string, { count: number; correct: number }>;
      };
      assert.equal(summary.count, sent + 1);
      assert.deepEqual(summary.versions['1.0.0@stable'], { count: sent + 1, correct: 0, accuracy: 0 });
      assert.equal((await fetch(`${again.url}/feedback/summary`)).status, 400);
    } finally {
      await killed(again.child);
    }
    assert.match(exported.sha256, /^[0-9a-f]{64}$/);
    assert.equal(readFileSync(join(dataDir, 'export', 'images.f32')).length, (sent + 1) * 784 * 4);
    assert.deepEqual([...readFileSync(join(dataDir, 'export', 'labels.u8'))].slice(0, 3), [0, 1, 2]);
    // The same items give the same bytes and hash.
    assert.equal(exportFeedback(dataDir, 'mnist', join(dataDir, 'export2')).sha256, exported.sha256);
  });

  it('cuts off a line torn by a crash mid-write on start; complete lines stay', async () => {
    const dataDir = tempDir();
    const server = createServer({ modelRepository: EMPTY_REPOSITORY, static: false, feedback: { dataDir } });
    const url = await server.listen(0, '127.0.0.1');
    await post(url, item(1));
    await server.close();
    appendFileSync(join(dataDir, 'feedback', 'mnist.jsonl'), '{"id":"item-000002","createdAt');
    const again = createServer({ modelRepository: EMPTY_REPOSITORY, static: false, feedback: { dataDir } });
    const url2 = await again.listen(0, '127.0.0.1');
    try {
      assert.deepEqual(await (await post(url2, item(1))).json(), { id: 'item-000001', stored: false, duplicate: true });
      assert.deepEqual(await (await post(url2, item(2))).json(), { id: 'item-000002', stored: true, duplicate: false });
    } finally {
      await again.close();
    }
    assert.equal(exportFeedback(dataDir, 'mnist', join(dataDir, 'out')).count, 2);
  });

  it('--trusted-proxies N is parsed with --data-dir and refused without it', () => {
    const feedback = parseCli(['serve', '--data-dir', '/tmp/fb', '--trusted-proxies', '2'], {}).options.feedback;
    assert.deepEqual(feedback, { dataDir: '/tmp/fb', trustedProxies: 2 });
    assert.throws(() => parseCli(['serve', '--trusted-proxies', '1'], {}), /give --data-dir too/);
    assert.throws(() => parseCli(['serve', '--data-dir', '/tmp/fb', '--trusted-proxies', 'x'], {}), /must be a non-negative integer/);
  });

  it('behind trusted proxies, rate-limits per forwarded client; a client cannot pick its bucket by writing the header', async () => {
    const make = (trustedProxies?: number) =>
      createServer({ modelRepository: EMPTY_REPOSITORY, static: false, feedback: { dataDir: tempDir(), burst: 1, perMinute: 1, trustedProxies } });
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const behind = make(1);
    const url = await behind.listen(0, '127.0.0.1');
    try {
      assert.equal((await post(url, item(1), from('203.0.113.1'))).status, 200);
      assert.equal((await post(url, item(2), from('203.0.113.1'))).status, 429, 'the same user, twice');
      assert.equal((await post(url, item(3), from('203.0.113.2'))).status, 200, 'another user behind the same proxy');
      // A spoofed entry left of the proxy's own is not trusted: still 203.0.113.1's bucket.
      assert.equal((await post(url, item(4), from('198.51.100.7, 203.0.113.1'))).status, 429);
    } finally {
      await behind.close();
    }
    const direct = make();
    const directUrl = await direct.listen(0, '127.0.0.1');
    try {
      assert.equal((await post(directUrl, item(5), from('203.0.113.1'))).status, 200);
      assert.equal((await post(directUrl, item(6), from('203.0.113.2'))).status, 429, 'without trusted proxies the header is ignored');
    } finally {
      await direct.close();
    }
  });

  it('validates, limits size, asks for the token and rate-limits per client', async () => {
    let now = 0;
    const server = createServer({
      modelRepository: EMPTY_REPOSITORY,
      static: false,
      token: 's3cret',
      feedback: { dataDir: tempDir(), burst: 3, perMinute: 6, clock: () => now },
    });
    const url = await server.listen(0, '127.0.0.1');
    const auth = { authorization: 'Bearer s3cret' };
    try {
      assert.equal((await post(url, item(1))).status, 401);
      const wrong = await post(url, item(2, { labelIndex: 12 }), auth);
      assert.equal(wrong.status, 400);
      assert.match(((await wrong.json()) as { error: string }).error, /labelIndex must be an integer from 0 to 9/);
      const short = await post(url, item(3, { input: { width: 28, height: 28, data: [0, 1] } }), auth);
      assert.match(((await short.json()) as { error: string }).error, /input\.data has 2 values/);
      assert.equal((await post(url, item(4), auth)).status, 200); // the third request of a burst of 3
      const limited = await post(url, item(8), auth);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '10');
      now += 10_000; // one token back at 6 per minute
      assert.equal((await post(url, item(5), auth)).status, 200);
      assert.equal((await post(url, item(6), auth)).status, 429);
      now += 60_000;
      const huge = await post(url, { ...item(7), padding: 'x'.repeat(70 * 1024) }, auth);
      assert.equal(huge.status, 413);
      assert.equal((await post(url, 'not json', auth)).status, 400);
      assert.equal((await fetch(`${url}/feedback`, auth && { headers: auth })).status, 405);
    } finally {
      await server.close();
    }
  });
});
