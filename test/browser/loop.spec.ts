import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, PACKAGE_ROOT, type ModelshipServer } from '../../server/src/index.js';
import { drawDigit } from './draw.js';

// The demo served by a real server of its own (static + /feedback with a data directory), on this helper's port range.
const PORT = Number(process.env['LOOP_DEMO_PORT'] ?? 8474);
const url = `http://127.0.0.1:${PORT}/`;

async function serve(dataDir: string): Promise<ModelshipServer> {
  const server = createServer({ modelRepository: join(PACKAGE_ROOT, 'models', 'repository'), feedback: { dataDir } });
  await server.listen(PORT, '127.0.0.1');
  await server.loaded;
  return server;
}

const stored = (dataDir: string): { id: string; label: string; input: { data: number[] } }[] => {
  const file = join(dataDir, 'feedback', 'mnist.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];
};

test.describe.configure({ mode: 'serial' });

test('demo: the map of what it looked at, corrections only with consent, and the IndexedDB outbox sends after a restart', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'modelship-demo-feedback-'));
  let server = await serve(dataDir);
  const posts: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/feedback')) posts.push(request.method());
  });
  try {
    await page.goto(url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await drawDigit(page, '7');
    await expect(page.locator('#label')).toHaveText('7');
    await expect(page.locator('body')).toHaveAttribute('data-explained', /^[1-9]\d*$/);
    const reddish = await page.evaluate(() => {
      const data = (document.getElementById('saliency') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 200 && data[i + 1]! < 120) count++;
      return count;
    });
    expect(reddish).toBeGreaterThan(5);

    await page.click('#correct button[data-digit="1"]');
    await expect(page.locator('body')).toHaveAttribute('data-feedback', 'CONSENT_REQUIRED');
    expect(posts).toEqual([]);

    await page.check('#consent');
    await drawDigit(page, '7'); // a prediction made with consent keeps its input
    await expect(page.locator('body')).toHaveAttribute('data-predictions', /\d+/);
    await page.waitForTimeout(300);
    await page.click('#correct button[data-digit="1"]');
    await expect(page.locator('body')).toHaveAttribute('data-feedback', 'sent');
    expect(stored(dataDir).map((item) => item.label)).toEqual(['1']);
    expect(stored(dataDir)[0]!.input.data.length).toBe(784);

    await server.close(); // the server goes away: the correction waits in IndexedDB
    await page.click('#clear');
    await drawDigit(page, '4');
    await page.waitForTimeout(300);
    await page.click('#correct button[data-digit="9"]');
    await expect(page.locator('body')).toHaveAttribute('data-feedback', 'queued');
    expect(stored(dataDir)).toHaveLength(1);

    server = await serve(dataDir);
    await page.reload(); // the next load finds the outbox and sends what waited, once
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await expect.poll(() => stored(dataDir).map((item) => item.label)).toEqual(['1', '9']);
    await page.waitForTimeout(500);
    expect(stored(dataDir)).toHaveLength(2);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
