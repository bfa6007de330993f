import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../../src/manifest/types.js';
import { createServer, PACKAGE_ROOT } from '../../../server/src/index.js';

/**
 * A copy of models/mnist that a test can publish new manifests into, served by the real reference
 * server (strong ETags, If-None-Match → 304, Range), which the test can stop and restart.
 */
export class ModelHost {
  readonly dir = mkdtempSync(join(tmpdir(), 'modelship-models-'));
  private server: Awaited<ReturnType<typeof startStatic>> | undefined;
  port = 0;

  constructor() {
    cpSync(join(PACKAGE_ROOT, 'models', 'mnist'), join(this.dir, 'mnist'), { recursive: true });
  }

  base(): Manifest {
    return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'models', 'mnist', 'manifest.json'), 'utf8')) as Manifest;
  }

  publish(manifest: Manifest, file = 'manifest.json'): void {
    writeFileSync(join(this.dir, 'mnist', file), JSON.stringify(manifest, null, 2));
  }

  get manifestUrl(): string {
    return `http://127.0.0.1:${this.port}/models/mnist/manifest.json`;
  }

  async start(): Promise<void> {
    this.server = await startStatic(this.dir, this.port);
    this.port = this.server.port;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function startStatic(modelsDir: string, port: number) {
  const server = createServer({ static: { models: modelsDir }, modelRepository: join(PACKAGE_ROOT, 'models', 'repository') });
  const url = await server.listen(port, '127.0.0.1');
  await server.loaded;
  return { port: Number(new URL(url).port), close: () => server.close() };
}

/** The same model under a new version number: what a retrained release looks like to the library. */
export function bumped(manifest: Manifest, version: string, edit?: (m: Manifest) => void): Manifest {
  const next = structuredClone(manifest);
  next.version = version;
  edit?.(next);
  return next;
}
