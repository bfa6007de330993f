// The server tarball in an empty folder: `npx modelship …` through npm's bin symlink, the bundled
// example model, a Triton-layout folder of the user's, and loud failures for a wrong folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { installProject, pack, PORT_BASE, ROOT, startProcess, tempDir } from './harness.js';

let project: string;

const npx = (args: string) => spawnSync(`npx modelship ${args}`, { cwd: project, shell: '/bin/sh', encoding: 'utf8' });

before(() => {
  const tarball = pack('server', tempDir('server-tarball'));
  // As the README says: the user's package.json denies onnxruntime-node's install script (npm ≥ 11.19
  // otherwise runs it with a notice, and it fetches CUDA libraries from NuGet).
  project = installProject('server', { '@modelship/server': `file:${tarball}` }, ['npm pkg set allowScripts.onnxruntime-node=false --json']);
});

/** A held-out digit from the example manifest, with its label. */
function goldenDigit(): { data: number[]; label: number } {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'mnist', 'manifest.json'), 'utf8')) as { golden: { inputUint8: string; label: number }[] };
  const golden = manifest.golden[3]!;
  return { data: [...Buffer.from(golden.inputUint8, 'base64')].map((v) => v / 255), label: golden.label };
}

async function inferLabel(url: string, model: string): Promise<number> {
  const { data } = goldenDigit();
  const response = await fetch(`${url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data }] }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const scores = ((await response.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data;
  return scores.indexOf(Math.max(...scores));
}

describe('@modelship/server from its tarball', { concurrency: false }, () => {
  it('installs with no unknown npm config and no install script reaching outside the registry', () => {
    const log = readFileSync(join(project, 'install.log'), 'utf8');
    assert.doesNotMatch(log, /Unknown (project|user|global) config/);
    // onnxruntime-node's postinstall would fetch CUDA libraries from NuGet; its CPU binaries are in the package.
    const bin = join(project, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
    assert.ok(existsSync(join(bin, 'onnxruntime_binding.node')));
    assert.equal(existsSync(join(bin, 'libonnxruntime_providers_cuda.so')), false);
    const config = spawnSync('npm config ls', { cwd: project, shell: '/bin/sh', encoding: 'utf8' });
    assert.doesNotMatch(config.stderr, /Unknown (project|user|global) config/);
  });

  it('npx modelship --version prints the package version; --help exits 0', () => {
    const version = npx('--version');
    assert.equal(version.status, 0, version.stderr);
    const { version: expected } = JSON.parse(readFileSync(join(ROOT, 'server', 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), expected);
    const help = npx('--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /usage: modelship serve/);
  });

  it('ships the gRPC .proto files and their licenses', () => {
    const proto = join(project, 'node_modules', '@modelship', 'server', 'proto');
    for (const f of ['open_inference_grpc.proto', 'triton_grpc_extensions.proto', 'health.proto', 'LICENSE-open-inference-protocol', 'LICENSE-triton-common']) {
      assert.ok(existsSync(join(proto, f)), f);
    }
  });

  it('npx modelship serve --port N serves the bundled example model over V2 and gRPC, and its manifest for browsers', async () => {
    const port = PORT_BASE + 1;
    const server = await startProcess(`npx modelship serve --port ${port} --grpc-port ${port + 4}`, project, `http://127.0.0.1:${port}/v2/health/ready`);
    try {
      const url = `http://127.0.0.1:${port}`;
      assert.equal((await fetch(`${url}/v2/models/mnist/ready`)).status, 200);
      assert.equal(await inferLabel(url, 'mnist'), goldenDigit().label);
      assert.equal((await fetch(`${url}/models/mnist/manifest.json`)).status, 200);
      // The installed package's own gRPC client, run from the project (the .proto files load from the package).
      const script = `import { InferenceGrpcClient } from '@modelship/server/grpc-client';
const c = new InferenceGrpcClient('127.0.0.1:${port + 4}');
const data = Float32Array.from(${JSON.stringify(goldenDigit().data)});
const r = await c.infer('mnist', [{ name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28], data }]);
const s = r.outputs[0].data;
console.log(JSON.stringify({ health: await c.healthCheck(''), label: s.indexOf(Math.max(...s)), stats: (await c.modelStatistics('mnist'))[0].inference_count, index: (await c.repositoryIndex()).some((e) => e.name === 'mnist' && e.state === 'READY') }));
c.close();`;
      writeFileSync(join(project, 'grpc-check.mjs'), script);
      const run = spawnSync('node grpc-check.mjs', { cwd: project, shell: '/bin/sh', encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { health: 'SERVING', label: goldenDigit().label, stats: 2, index: true });
    } finally {
      await server.stop();
    }
  });

  it('npx modelship serve DIR serves a Triton-layout folder (and only it)', async () => {
    const dir = join(project, 'my-models');
    cpSync(join(ROOT, 'models', 'repository', 'mnist_int8'), join(dir, 'digits'), { recursive: true });
    // Triton names the model after its folder; the config's name must agree.
    const config = join(dir, 'digits', 'config.pbtxt');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^name: ".*"$/m, 'name: "digits"'));
    const port = PORT_BASE + 2;
    const server = await startProcess(`npx modelship serve my-models --port ${port} --grpc-port ${port + 4}`, project, `http://127.0.0.1:${port}/v2/health/ready`);
    try {
      const url = `http://127.0.0.1:${port}`;
      assert.equal(await inferLabel(url, 'digits'), goldenDigit().label);
      assert.equal((await fetch(`${url}/v2/models/mnist/ready`)).status, 404);
    } finally {
      await server.stop();
    }
  });

  it('a missing or empty folder exits non-zero with a message naming the path', () => {
    const missing = npx('serve no-such-folder --port 0');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /no-such-folder/);
    assert.match(missing.stderr, /does not exist/);
    mkdirSync(join(project, 'empty-folder'));
    const empty = npx('serve empty-folder --port 0');
    assert.notEqual(empty.status, 0);
    assert.match(empty.stderr, /empty-folder/);
  });
});
