import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../../src/manifest/types.js';
import { startServer, type Handler, type TestServer } from './file-server.js';

/** Serves models/mnist over real HTTP, optionally with an edited manifest. */
export async function serveMnist(edit?: (manifest: Manifest) => void, extraFiles: Record<string, Uint8Array> = {}): Promise<TestServer> {
  const dir = 'models/mnist';
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  edit?.(manifest);
  const routes: Record<string, Handler> = {
    '/models/mnist/manifest.json': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(manifest));
    },
  };
  for (const variant of manifest.variants) {
    for (const file of variant.files) {
      const body = extraFiles[file.path] ?? readFileSync(join(dir, file.path));
      routes[`/models/mnist/${file.path}`] = (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      };
    }
  }
  return startServer(routes);
}

export const WASM_PATHS = new URL('../../../wasm/', import.meta.url).href;
