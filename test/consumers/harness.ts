// Shared by the consumer tests: the packed tarballs, a clean app folder installed from them, the
// reference server as the static host, and Chromium reading the app's answer.
import { exec, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { createServer, type StaticRoots } from '../../server/src/index.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const APP_SOURCE = join(import.meta.dirname, 'app');
/** The port range given to this suite (8422-8429); the static hosts use port 0. */
export const PORT_BASE = Number(process.env['CONSUMER_PORT'] ?? 8422);

/** Runs a command as the README shows it; throws with its output when it fails. */
export function sh(command: string, cwd: string, streams: 'stdout' | 'both' = 'both'): string {
  const result = spawnSync(command, { cwd, shell: '/bin/sh', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`\`${command}\` in ${cwd} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return streams === 'stdout' ? result.stdout : `${result.stdout}${result.stderr}`;
}

/** The same, without blocking this process (needed when the command talks to a server running in it). */
export function shAsync(command: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    exec(command, { cwd, shell: '/bin/sh', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`\`${command}\` in ${cwd} exited ${error.code}:\n${stdout}\n${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `modelship-${prefix}-`));
}

/** `npm pack` of the library (needs a built dist/) or of the server workspace; returns the tarball's path. */
export function pack(which: 'library' | 'server', into: string): string {
  const args = which === 'server' ? '--workspace server' : '';
  const out = sh(`npm pack ${args} --pack-destination ${into} --json`, ROOT, 'stdout');
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  return join(into, info!.filename.replace(/^@modelship\//, 'modelship-'));
}

/** The version installed at the repository root, so the clean install is served from npm's cache. */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A clean folder with its own package.json, installed offline-first from the tarball and npm's cache. */
export function installProject(prefix: string, dependencies: Record<string, string>, setup: string[] = []): string {
  const dir = tempDir(prefix);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${prefix}`, private: true, type: 'module', dependencies }, null, 2));
  for (const command of setup) sh(command, dir);
  writeFileSync(join(dir, 'install.log'), sh('npm install --prefer-offline --no-audit --no-fund', dir));
  return dir;
}

/** A clean app: its package.json installed offline-first from the tarball and npm's cache, the shared source, the model in public/. */
export function createApp(prefix: string, dependencies: Record<string, string>, withModel = true): string {
  const app = installProject(prefix, dependencies);
  mkdirSync(join(app, 'src'), { recursive: true });
  cpSync(join(APP_SOURCE, 'index.html'), join(app, 'index.html'));
  cpSync(join(APP_SOURCE, 'index.js'), join(app, 'src', 'index.js'));
  if (withModel) copyModel(join(app, 'public', 'models', 'mnist'));
  return app;
}

/** The example model as an app would host it: the manifest and every variant's files. */
export function copyModel(to: string): void {
  const from = join(ROOT, 'models', 'mnist');
  const manifest = JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8')) as { variants: { files: { path: string }[] }[] };
  for (const path of ['manifest.json', ...manifest.variants.flatMap((variant) => variant.files.map((file) => file.path))]) {
    mkdirSync(dirname(join(to, path)), { recursive: true });
    cpSync(join(from, path), join(to, path));
  }
}

/** The reference server as a plain static host: '/' from `site`, other roots as given, no models to run. */
export async function serveStatic(roots: StaticRoots): Promise<{ url: string; close: () => Promise<void> }> {
  const empty = tempDir('empty');
  const server = createServer({
    modelRepository: empty,
    static: { demo: empty, dist: empty, models: empty, wasm: empty, serviceWorker: empty, ...roots },
    metrics: false,
  });
  const url = await server.listen(0, '127.0.0.1');
  return { url, close: () => server.close() };
}

export interface PageResult {
  result: { label?: string | number; expected?: string | number; runtime?: string; route?: string; warnings?: string[]; fallbacks?: string[]; error?: string };
  requests: string[];
  failed: string[];
}

const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export async function launch(): Promise<Browser> {
  const executablePath = process.env['CHROME_PATH'] ?? sh('command -v chromium || command -v chromium-browser', ROOT).trim();
  return chromium.launch({ executablePath, args: ARGS });
}

/** Opens the app and waits for its answer (or its error) in #out; every request and failure is recorded. */
export async function readApp(browser: Browser, url: string, timeoutMs = 120_000): Promise<PageResult> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  const failed: string[] = [];
  // Workers' requests too: the context sees them all.
  context.on('request', (request) => requests.push(request.url()));
  context.on('requestfailed', (request) => failed.push(`${request.url()} (${request.failure()?.errorText})`));
  context.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.url()} (HTTP ${response.status()})`);
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'loading', undefined, { timeout: timeoutMs });
    const text = await page.locator('#out').textContent();
    return { result: JSON.parse(text ?? '{}') as PageResult['result'], requests, failed };
  } finally {
    await context.close();
  }
}

/** Starts a long-running command (a dev server) and resolves once `ready` answers. */
export async function startProcess(
  command: string,
  cwd: string,
  ready: string,
): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  const child = spawn(command, { cwd, shell: '/bin/sh', detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM'); // its process group: npx and what it started
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  };
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`\`${command}\` exited ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(ready)).ok) return { child, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`\`${command}\` did not answer ${ready} within 60 s:\n${output}`);
}
