// Validates models/mnist/manifest.json against models/manifest.schema.json (ajv, draft 2020-12, strict)
// and checks that every listed file exists with the recorded size and sha256.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', '..', 'package.json'));
const Ajv2020 = require('ajv/dist/2020').default;
const schema = JSON.parse(readFileSync(join(here, '..', 'manifest.schema.json'), 'utf8'));
const dir = join(here, '..', 'mnist');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
if (!validate(manifest)) {
  console.error(validate.errors);
  process.exit(1);
}
for (const v of manifest.variants) {
  for (const f of v.files) {
    const data = readFileSync(join(dir, f.path));
    const sha = createHash('sha256').update(data).digest('hex');
    if (data.length !== f.bytes || sha !== f.sha256) throw new Error(`${f.path}: size/sha256 mismatch`);
  }
  if (v.goldenOutputs.length !== manifest.golden.length) throw new Error(`${v.id}: golden rows`);
}
for (const bad of ['/abs.onnx', '../up.onnx', 'a/../b.onnx', 'https://x/y.onnx', 'data:foo']) {
  const copy = structuredClone(manifest);
  copy.variants[0].files[0].path = bad;
  if (validate(copy)) throw new Error(`schema accepted bad path ${bad}`);
}
console.log(`manifest.json valid (${manifest.variants.length} variants, files verified)`);
