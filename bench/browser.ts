import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from '@playwright/test';

const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu'];

export function chromiumPath(): string {
  return process.env['CHROME_PATH'] ?? execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim();
}

/**
 * tsx compiles with esbuild's keepNames, which wraps named functions in `__name(...)`; page functions
 * are serialised into the page where that helper does not exist, so the page gets a no-op one.
 */
export const KEEP_NAMES_SHIM = 'globalThis.__name = globalThis.__name || ((fn) => fn);';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS });
}

/** Starts the reference server from the built CLI and resolves once it is ready. */
export async function startReferenceServer(port: number, extra: string[] = []): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['server/dist/cli.js', 'serve', 'models/repository', '--port', String(port), ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`${url}/v2/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (attempt === 99) throw new Error('The reference server did not become ready in 10 s');
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A fresh on-disk profile: Playwright's incognito-like contexts keep an in-memory HTTP cache that
 * will not hold onnxruntime's 14 MB wasm, which real users' disk caches do.
 */
export async function freshProfile(baseURL: string): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-bench-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: chromiumPath(), baseURL, args: ARGS });
  await context.addInitScript(KEEP_NAMES_SHIM);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
