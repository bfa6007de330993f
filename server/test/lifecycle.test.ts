import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliUsageError, parseCli } from '../src/cli.js';
import { ModelConfigError, PACKAGE_ROOT, parseModelConfig, parsePbtxt, PbtxtError } from '../src/index.js';
import { argmax, digit, jsonInfer, MNIST_DIR, start, tempDir } from './helpers.js';

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, refuses new connections, then disposes sessions', async () => {
    // A long queue delay keeps the request in flight while close() is called.
    const s = await start({ batching: true, maxQueueDelayUs: 400_000 });
    const five = await digit(5);
    const inFlight = fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer([five.pixels]) });
    for (let i = 0; i < 200 && s.server.inFlight === 0; i++) await sleep(10);
    assert.equal(s.server.inFlight, 1);
    const closing = s.close();
    assert.equal(s.close(), closing, 'close() is idempotent');
    await assert.rejects(fetch(`${s.url}/v2/health/live`, { headers: { Connection: 'close' } }));
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(argmax((await res.json()).outputs[0].data), 5);
    await closing;
    const states = [...s.server.repository.models.values()].flatMap((m) => m.versions.map((v) => v.state));
    assert.ok(states.length > 0 && states.every((st) => st === 'unloaded'));
  });
});

describe('model repository', () => {
  it('serves every version present; latest is the highest; version_policy is honoured', async () => {
    const tmp = tempDir('versions');
    const config = readFileSync(join(MNIST_DIR, 'config.pbtxt'), 'utf8').replace(/version_policy[^\n]*\n?/, '');
    for (const [name, text] of [['all', config.replace(/name: "[^"]*"/, 'name: "all"')], ['latest', `${config.replace(/name: "[^"]*"/, 'name: "latest"')}\nversion_policy: { latest { num_versions: 1 } }\n`]] as const) {
      for (const v of ['1', '3']) {
        mkdirSync(join(tmp.dir, name, v), { recursive: true });
        copyFileSync(join(MNIST_DIR, '1', 'model.onnx'), join(tmp.dir, name, v, 'model.onnx'));
      }
      writeFileSync(join(tmp.dir, name, 'config.pbtxt'), text);
    }
    mkdirSync(join(tmp.dir, 'all', 'notes')); // non-numeric folders are ignored
    const s = await start({ modelRepository: tmp.dir });
    try {
      assert.deepEqual((await (await fetch(`${s.url}/v2/models/all`)).json()).versions, ['1', '3']);
      assert.deepEqual((await (await fetch(`${s.url}/v2/models/latest`)).json()).versions, ['3']);
      const nine = await digit(9);
      const latest = await (await fetch(`${s.url}/v2/models/all/infer`, { method: 'POST', body: jsonInfer([nine.pixels]) })).json();
      assert.equal(latest.model_version, '3');
      const v1 = await (await fetch(`${s.url}/v2/models/all/versions/1/infer`, { method: 'POST', body: jsonInfer([nine.pixels]) })).json();
      assert.equal(v1.model_version, '1');
      assert.equal(argmax(v1.outputs[0].data), 9);
      assert.equal((await fetch(`${s.url}/v2/models/latest/versions/1`)).status, 404);
    } finally {
      await s.close();
      tmp.remove();
    }
  });
});

describe('config.pbtxt parser', () => {
  it('reads the real mnist config', () => {
    const config = parseModelConfig(readFileSync(join(MNIST_DIR, 'config.pbtxt'), 'utf8'), 'mnist');
    assert.equal(config.name, 'mnist');
    assert.equal(config.platform, 'onnxruntime_onnx');
    assert.ok(config.maxBatchSize > 0);
    assert.deepEqual(config.inputs, [{ name: 'input', datatype: 'FP32', dims: [1, 28, 28] }]);
    assert.deepEqual(config.outputs, [{ name: 'logits', datatype: 'FP32', dims: [10] }]);
    assert.ok(config.dynamicBatching);
  });

  it('handles comments, repeated fields, <> messages and dynamic batching settings', () => {
    const text = `
      # a comment
      name: "m" max_batch_size: 8
      input { name: "a" data_type: TYPE_INT64 dims: 4 dims: -1 }  # trailing
      input < name: 'b', data_type: TYPE_FP32, dims: [2] >
      output [{ name: "y" data_type: TYPE_FP32 dims: [ 1 ] }]
      dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100 }
      instance_group [ { count: 2 kind: KIND_CPU } ]
      parameters { key: "x" value: { string_value: "1.5e3" } }`;
    const c = parseModelConfig(text, 'dir');
    assert.deepEqual(c.inputs.map((i) => [i.name, i.datatype, i.dims]), [['a', 'INT64', [4, -1]], ['b', 'FP32', [2]]]);
    assert.deepEqual(c.dynamicBatching, { maxQueueDelayMicroseconds: 100, preferredBatchSize: [4, 8] });
    assert.equal(c.platform, 'onnxruntime_onnx');
    assert.equal(c.graphOptimizationLevel, undefined);
    const io = 'input {name:"a" data_type: TYPE_FP32 dims: 1} output {name:"b" data_type: TYPE_FP32 dims: 1}';
    // Triton's onnxruntime backend numbering: -1 basic, 1 extended, 2 disabled.
    for (const [level, name] of [[-1, 'basic'], [1, 'extended'], [2, 'disabled']] as const) {
      assert.equal(parseModelConfig(`${io} optimization { graph { level: ${level} } }`, 'x').graphOptimizationLevel, name);
    }
    assert.throws(() => parseModelConfig(`${io} optimization { graph { level: 7 } }`, 'x'), /optimization.graph.level/);
    assert.equal(c.priority, 'PRIORITY_DEFAULT');
    assert.equal(parseModelConfig(`${io} optimization { priority: PRIORITY_MAX }`, 'x').priority, 'PRIORITY_MAX');
    assert.equal(parseModelConfig(`${io} optimization { priority: 2 }`, 'x').priority, 'PRIORITY_MIN');
    assert.throws(() => parseModelConfig(`${io} optimization { priority: PRIORITY_HIGH }`, 'x'), /optimization.priority/);
    assert.deepEqual(parsePbtxt('a: 1.5 b: true c: -2 d: "x\\"y"'), { a: [1.5], b: [true], c: [-2], d: ['x"y'] });
  });

  it('rejects what it cannot serve with typed errors', () => {
    assert.throws(() => parsePbtxt('input { name: "a" '), PbtxtError);
    assert.throws(() => parsePbtxt('a: @'), PbtxtError);
    assert.throws(() => parseModelConfig('name: "x" platform: "tensorrt_plan" input {name:"a" data_type: TYPE_FP32 dims: 1} output {name:"b" data_type: TYPE_FP32 dims: 1}', 'x'), ModelConfigError);
    assert.throws(() => parseModelConfig('name: "x" output {name:"b" data_type: TYPE_FP32 dims: 1}', 'x'), ModelConfigError);
    assert.throws(() => parseModelConfig('input {name:"a" data_type: TYPE_STRING dims: 1} output {name:"b" data_type: TYPE_FP32 dims: 1}', 'x'), ModelConfigError);
  });
});

describe('cli', () => {
  it('parses serve options', () => {
    const c = parseCli(['serve', 'some/dir', '--port', '9000', '--host', '0.0.0.0', '--token', 't', '--no-batching', '--max-batch', '8', '--max-queue-delay-us', '250', '--coop-coep'], {});
    assert.equal(c.port, 9000);
    assert.equal(c.host, '0.0.0.0');
    assert.match(c.options.modelRepository ?? '', /some\/dir$/);
    assert.equal(c.options.token, 't');
    assert.equal(c.options.batching, false);
    assert.equal(c.options.maxBatchSize, 8);
    assert.equal(c.options.maxQueueDelayUs, 250);
    assert.equal(c.options.crossOriginIsolation, true);
    const d = parseCli(['serve'], { PORT: '7070' });
    assert.equal(d.port, 7070);
    assert.equal(d.host, '127.0.0.1');
    assert.equal(parseCli(['serve'], {}).port, 8080);
    const polled = parseCli(['serve', '--repository-poll-secs', '5', '--max-buffered-bytes', '1048576'], {});
    assert.equal(polled.options.repositoryPollSecs, 5);
    assert.equal(polled.options.maxBufferedBodyBytes, 1048576);
    assert.throws(() => parseCli(['serve', '--repository-poll-secs', 'soon'], {}), CliUsageError);
    assert.throws(() => parseCli(['run'], {}), CliUsageError);
    assert.throws(() => parseCli(['serve', '--port', 'x'], {}), CliUsageError);
    assert.equal(parseCli(['serve', '--graph-optimization', 'basic'], {}).options.graphOptimizationLevel, 'basic');
    assert.throws(() => parseCli(['serve', '--graph-optimization', 'max'], {}), /--graph-optimization/);
    assert.equal(parseCli(['serve', '--instance-nice', '19'], {}).options.instanceNice, 19);
    assert.equal(parseCli(['serve'], {}).options.instanceNice, undefined);
    assert.equal(parseCli(['serve', '--instance-nice', 'idle'], {}).options.instanceNice, 'idle');
    assert.throws(() => parseCli(['serve', '--instance-nice', 'lazy'], {}), CliUsageError);
    assert.throws(() => parseCli(['serve', '--instance-nice', '20'], {}), /--instance-nice must be 0-19/);
    assert.throws(() => parseCli(['serve', '--instance-nice=-1'], {}), CliUsageError);
  });

  it('starts, prints its URL and shuts down on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'server', 'src', 'cli.ts'), 'serve', '--port', '0'], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      assert.equal((await fetch(`${url}/v2/health/ready`)).status, 200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
