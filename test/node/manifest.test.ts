import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { isModelshipError } from '../../src/errors.js';
import { validateManifest } from '../../src/manifest/validate.js';
import { DEFAULT_LIMITS } from '../../src/manifest/limits.js';
import type { Manifest } from '../../src/manifest/types.js';

const schema = JSON.parse(readFileSync('models/manifest.schema.json', 'utf8'));
const manifestPaths = readdirSync('models', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`models/${entry.name}/manifest.json`))
  .map((entry) => `models/${entry.name}/manifest.json`);
const load = (): Manifest => JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8'));

function rejectsWithField(mutate: (manifest: Manifest & Record<string, unknown>) => void, field: string, limits = DEFAULT_LIMITS): void {
  const manifest = load() as Manifest & Record<string, unknown>;
  mutate(manifest);
  assert.throws(
    () => validateManifest(manifest, limits),
    (error: unknown) => {
      assert.ok(isModelshipError(error, 'MANIFEST_INVALID'), String(error));
      assert.equal(error.details['field'], field, error.message);
      assert.ok(error.message.includes(field), error.message);
      return true;
    },
  );
}

describe('manifests', () => {
  it('every manifest in models/ validates against the JSON Schema and the library', () => {
    assert.ok(manifestPaths.length > 0);
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(schema);
    for (const path of manifestPaths) {
      const data = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      assert.ok(validate(data), `${path}: ${ajv.errorsText(validate.errors)}`);
      assert.equal(validateManifest(data).name, data.name);
    }
  });

  it('the generated standalone validator is up to date with the schema', async () => {
    const { execFileSync } = await import('node:child_process');
    const { createHash } = await import('node:crypto');
    const digest = (): string => createHash('sha256').update(readFileSync('src/manifest/schema-validator.js')).digest('hex');
    const before = digest();
    execFileSync(process.execPath, ['scripts/gen-manifest-validator.mjs']);
    assert.equal(digest(), before, 'src/manifest/schema-validator.js is stale: run npm run gen:validator and commit');
  });

  it('names the offending field for schema violations', () => {
    rejectsWithField((m) => void (m.variants[0]!.files[0]!.sha256 = 'xyz'), 'variants[0].files[0].sha256');
    rejectsWithField((m) => void delete (m as Partial<Manifest>).labels, 'labels');
    rejectsWithField((m) => void (m.variants[0]!.files[0]!.path = '../../etc/passwd'), 'variants[0].files[0].path');
    rejectsWithField((m) => void (m.variants[0]!.files[0]!.path = 'https://evil.example/x.onnx'), 'variants[0].files[0].path');
    rejectsWithField((m) => void (m.variants[0]!.files[0]!.bytes = -1), 'variants[0].files[0].bytes');
    rejectsWithField((m) => void ((m as { schemaVersion: number }).schemaVersion = 2), 'schemaVersion');
  });

  it('checks what the schema cannot: label count, golden rows, duplicate ids', () => {
    rejectsWithField((m) => void m.labels.pop(), 'labels');
    rejectsWithField((m) => void m.variants[0]!.goldenOutputs.pop(), 'variants[0].goldenOutputs');
    rejectsWithField((m) => void (m.variants[1]!.id = m.variants[0]!.id), 'variants[1].id');
    rejectsWithField((m) => void (m.inputs[0]!.shape[0] = 4), 'inputs[0].shape[0]');
  });

  it('refuses sizes over the limits before anything is allocated', () => {
    rejectsWithField((m) => void (m.variants[0]!.files[0]!.bytes = 5e9), 'variants[0].files[0].bytes');
    rejectsWithField((m) => void (m.outputs[0]!.shape = [-1, 100000, 100000]), 'outputs[0].shape');
    const tight = { ...DEFAULT_LIMITS, maxVariantBytes: 10 };
    rejectsWithField(() => undefined, 'variants[0].files', tight);
  });
});
