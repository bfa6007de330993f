import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeMlpRepository } from '../../bench/mlp-model.js';
import { PACKAGE_ROOT } from '../src/index.js';
import { REPOSITORY, tempDir } from './helpers.js';

/**
 * "Triton can serve the same folder", checked: every config.pbtxt we write parses against
 * Triton's own inference.ModelConfig (deploy/triton/model_config.proto, from
 * triton-inference-server/common) with protoc, Debian's protobuf-compiler, and the folders
 * follow Triton's model-repository rules (docs/user_guide/model_repository.md).
 */
const PROTO_DIR = join(PACKAGE_ROOT, 'deploy', 'triton');

/** protoc's text-format parser and Triton's schema: unknown fields, wrong types and bad enums fail. */
function encodeModelConfig(text: string): Buffer {
  return execFileSync('protoc', ['--encode=inference.ModelConfig', '-I', PROTO_DIR, 'model_config.proto'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
}

function decodeModelConfig(binary: Buffer): string {
  return execFileSync('protoc', ['--decode=inference.ModelConfig', '-I', PROTO_DIR, 'model_config.proto'], { input: binary }).toString('utf8');
}

/** Default model file per platform/backend (model_repository.md, "Model Files"). */
const DEFAULT_FILE: Record<string, string> = { onnxruntime_onnx: 'model.onnx', onnxruntime: 'model.onnx', pytorch_libtorch: 'model.pt', tensorrt_plan: 'model.plan', openvino: 'model.xml' };

/** Triton's layout rules for one repository; returns every broken rule (empty: Triton can load it). */
export function tritonLayoutProblems(repo: string): string[] {
  const problems: string[] = [];
  for (const model of readdirSync(repo, { withFileTypes: true })) {
    if (!model.isDirectory()) continue;
    const dir = join(repo, model.name);
    const configPath = join(dir, 'config.pbtxt');
    if (!existsSync(configPath)) {
      problems.push(`${model.name}: no config.pbtxt (an ONNX model needs one unless Triton auto-completes it)`);
      continue;
    }
    let decoded: string;
    try {
      decoded = decodeModelConfig(encodeModelConfig(readFileSync(configPath, 'utf8')));
    } catch (err) {
      problems.push(`${model.name}: config.pbtxt is not a valid inference.ModelConfig: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
      continue;
    }
    const field = (key: string): string | undefined => new RegExp(`^${key}: "?([^"\\n]*)"?$`, 'm').exec(decoded)?.[1];
    const name = field('name');
    if (name !== undefined && name !== model.name) problems.push(`${model.name}: config name "${name}" differs from its folder name`);
    const kind = field('platform') ?? field('backend');
    const file = field('default_model_filename') ?? (kind ? DEFAULT_FILE[kind] : undefined);
    if (!file) problems.push(`${model.name}: no platform/backend with a known default model file`);
    // "Subdirectories that are not numerically named, or have names that start with 0 will be ignored."
    const versions = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && /^[1-9]\d*$/.test(e.name));
    if (versions.length === 0) problems.push(`${model.name}: no numeric version folder (1, 2, …; not starting with 0)`);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && /^\d+$/.test(e.name) && e.name.startsWith('0')) problems.push(`${model.name}/${e.name}: Triton ignores version folders starting with 0`);
    }
    for (const v of versions) {
      if (file && !existsSync(join(dir, v.name, file))) problems.push(`${model.name}/${v.name}: no ${file}`);
      else if (file && statSync(join(dir, v.name, file)).isFile() && statSync(join(dir, v.name, file)).size === 0) problems.push(`${model.name}/${v.name}/${file} is empty`);
    }
  }
  return problems;
}

describe("Triton serves the same model repository", () => {
  it('every config.pbtxt the pipeline writes parses against Triton model_config.proto, and the layout follows its rules', () => {
    const configs = readdirSync(REPOSITORY).filter((m) => existsSync(join(REPOSITORY, m, 'config.pbtxt')));
    assert.ok(configs.length >= 2, `expected the pipeline's models in ${REPOSITORY}, found ${configs.join(', ')}`);
    for (const m of configs) {
      const binary = encodeModelConfig(readFileSync(join(REPOSITORY, m, 'config.pbtxt'), 'utf8'));
      const text = decodeModelConfig(binary);
      assert.match(text, new RegExp(`^name: "${m}"$`, 'm'));
      assert.match(text, /^platform: "onnxruntime_onnx"$/m);
      assert.match(text, /^max_batch_size: 64$/m);
      assert.match(text, /data_type: TYPE_FP32/);
      assert.match(text, /dynamic_batching \{/);
    }
    assert.deepEqual(tritonLayoutProblems(REPOSITORY), []);
  });

  it("the benchmark's generated MLP repository is valid for Triton too", () => {
    assert.deepEqual(tritonLayoutProblems(writeMlpRepository()), []);
  });

  it('the check catches what Triton would refuse or ignore', () => {
    assert.throws(() => encodeModelConfig('name: "x"\nmax_batch_size: "many"\n'));
    assert.throws(() => encodeModelConfig('name: "x"\ninput [{ name: "a" data_type: TYPE_FLOAT32 dims: [1] }]\n'));
    assert.throws(() => encodeModelConfig('name: "x"\ndynamic_batching { max_queue_delay: 5 }\n'));
    const tmp = tempDir('triton-layout');
    try {
      const config = (name: string): string => `name: "${name}"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 8\n`;
      mkdirSync(join(tmp.dir, 'renamed', '1'), { recursive: true });
      writeFileSync(join(tmp.dir, 'renamed', 'config.pbtxt'), config('other'));
      writeFileSync(join(tmp.dir, 'renamed', '1', 'model.onnx'), 'x');
      mkdirSync(join(tmp.dir, 'zero', '01'), { recursive: true });
      writeFileSync(join(tmp.dir, 'zero', 'config.pbtxt'), config('zero'));
      writeFileSync(join(tmp.dir, 'zero', '01', 'model.onnx'), 'x');
      mkdirSync(join(tmp.dir, 'nofile', '2'), { recursive: true });
      writeFileSync(join(tmp.dir, 'nofile', 'config.pbtxt'), config('nofile'));
      writeFileSync(join(tmp.dir, 'nofile', '2', 'weights.onnx'), 'x');
      const problems = tritonLayoutProblems(tmp.dir).join('\n');
      assert.match(problems, /renamed: config name "other" differs/);
      assert.match(problems, /zero: no numeric version folder/);
      assert.match(problems, /zero\/01: Triton ignores/);
      assert.match(problems, /nofile\/2: no model.onnx/);
    } finally {
      tmp.remove();
    }
  });
});
