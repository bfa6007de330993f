import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { loadModel } from '../../src/load/load-model.js';
import { base64Length } from '../../src/manifest/golden-checks.js';
import type { Manifest } from '../../src/manifest/types.js';
import { validateManifest } from '../../src/manifest/validate.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { startServer, type Handler } from './helpers/file-server.js';
import { WASM_PATHS } from './helpers/static-models.js';

const text = readFileSync('models/mnist/manifest.json', 'utf8');
const load = (): Manifest => JSON.parse(text) as Manifest;

/** Edits the manifest as JSON text, so values JSON.stringify cannot write (1e309) reach the parser as a server would send them. */
function edited(edit: (manifest: Manifest) => void, replace?: [string, string]): string {
  const manifest = load();
  edit(manifest);
  const json = JSON.stringify(manifest);
  return replace ? json.replace(replace[0], replace[1]) : json;
}

const cases: Array<{ name: string; json: string; field: string }> = [
  { name: 'golden input one byte short', json: edited((m) => (m.golden[0]!.inputUint8 = Buffer.alloc(783).toString('base64'))), field: 'golden[0].inputUint8' },
  {
    name: 'golden input as non-canonical base64 (length 4n+1)',
    json: edited((m) => (m.golden[1]!.inputUint8 = 'A'.repeat(1045))),
    field: 'golden[1].inputUint8',
  },
  { name: 'golden input with padding in a short group', json: edited((m) => (m.golden[0]!.inputUint8 = 'AAA=A')), field: 'golden[0].inputUint8' },
  {
    name: 'tolerance 1e309 (parses as Infinity)',
    json: edited((m) => (m.variants[1]!.tolerance = 0.125), ['"tolerance":0.125', '"tolerance":1e309']),
    field: 'variants[1].tolerance',
  },
  { name: 'tolerance too loose to prove anything', json: edited((m) => (m.variants[0]!.tolerance = 50)), field: 'variants[0].tolerance' },
  {
    name: 'a golden output of 1e309',
    // A sentinel no real output has, so the text replacement hits this one number only.
    json: edited((m) => (m.variants[2]!.goldenOutputs[3]![4] = 0.1234567891), ['0.1234567891', '-1e309']),
    field: 'variants[2].goldenOutputs[3][4]',
  },
];

describe('golden vectors and tolerances are validated with the manifest', () => {
  it('base64Length agrees with Buffer on canonical strings and refuses what atob would misread', () => {
    for (const size of [0, 1, 2, 3, 4, 783, 784, 785]) assert.equal(base64Length(Buffer.alloc(size, 7).toString('base64')), size);
    for (const bad of ['A', 'AAAAA', 'AA=A', 'A===', '****']) assert.equal(base64Length(bad), undefined, bad);
  });

  for (const { name, json, field } of cases) {
    it(`${name}: MANIFEST_INVALID naming ${field}`, () => {
      assert.throws(
        () => validateManifest(JSON.parse(json)),
        (error: unknown) => isModelshipError(error, 'MANIFEST_INVALID') && error.details['field'] === field && error.message.includes(field),
      );
    });
  }

  it('loadModel rejects such a manifest before downloading or caching any model file', async () => {
    const manifest = load();
    const routes: Record<string, Handler> = {};
    for (const variant of manifest.variants) {
      for (const file of variant.files) {
        const bytes = readFileSync(`models/mnist/${file.path}`);
        routes[`/m/${file.path}`] = (_request, response) => response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      }
    }
    const bad = cases[3]!;
    routes['/m/manifest.json'] = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(bad.json);
    const server = await startServer(routes);
    const cache = createMemoryStore();
    try {
      await assert.rejects(
        loadModel(`${server.url}/m/manifest.json`, { worker: false, wasmPaths: WASM_PATHS, cache, variant: 'int8' }),
        (error: unknown) => isModelshipError(error, 'MANIFEST_INVALID') && error.details['field'] === bad.field,
      );
      const fileHits = [...server.hits.entries()].filter(([path]) => path !== '/m/manifest.json');
      assert.deepEqual(fileHits, [], 'no model file was requested');
      assert.deepEqual(await cache.keys(), [], 'nothing was cached');
    } finally {
      await server.close();
    }
  });

  it('every shipped manifest passes the new checks', () => {
    const dirs = readdirSync('models', { withFileTypes: true }).filter((entry) => entry.isDirectory() && existsSync(`models/${entry.name}/manifest.json`));
    assert.ok(dirs.length > 0);
    for (const dir of dirs) validateManifest(JSON.parse(readFileSync(`models/${dir.name}/manifest.json`, 'utf8')));
  });
});
