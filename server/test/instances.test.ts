import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { MLP_NAME, writeMlpRepository } from '../../bench/mlp-model.js';
import { ModelInstance } from '../src/instances/instance.js';
import { argmax, binaryBody, bytesOf, digit, jsonInfer, MNIST_DIR, start, tempDir } from './helpers.js';

/** A batch-64 binary request for the benchmark MLP (784 → 3×2048 → 10, ~19 ms per batch-64 run in-process). */
function mlpBatch64(): { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const x = new Float32Array(64 * 784).map((_, i) => (i % 97) / 97);
  return binaryBody(
    { inputs: [{ name: 'input', shape: [64, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }], outputs: [{ name: 'logits', parameters: { binary_data: true } }] },
    bytesOf(x),
  );
}

describe('model instances on worker threads', () => {
  it('answers a health probe within 50 ms while batch-64 MLP runs are in progress (issue 10 item 15)', async () => {
    const tmp = tempDir('mlp');
    const s = await start({ modelRepository: writeMlpRepository(tmp.dir), intraOpNumThreads: 1 });
    try {
      const req = mlpBatch64();
      const infer = (): Promise<Response> => fetch(`${s.url}/v2/models/${MLP_NAME}/infer`, { method: 'POST', body: req.body, headers: req.headers });
      assert.equal((await infer()).status, 200); // warm
      let stop = false;
      let done = 0;
      const loader = async (): Promise<void> => {
        while (!stop) {
          const res = await infer();
          assert.equal(res.status, 200);
          await res.arrayBuffer();
          done++;
        }
      };
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const elu0 = performance.eventLoopUtilization();
      const loaders = Array.from({ length: 4 }, loader);
      const probes: number[] = [];
      // At least 3 s and 8 executions (a loaded machine computes slowly), at most 20 s.
      const started = performance.now();
      const more = (): boolean => performance.now() - started < 3000 || (done < 8 && performance.now() - started < 20_000);
      while (more()) {
        const t = performance.now();
        const res = await fetch(`${s.url}/v2/health/ready`);
        await res.arrayBuffer();
        assert.equal(res.status, 200);
        probes.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 5));
      }
      stop = true;
      await Promise.all(loaders);
      const loopMax = h.max / 1e6;
      const elu = performance.eventLoopUtilization(elu0).utilization;
      h.disable();
      probes.sort((a, b) => a - b);
      const at = (q: number): number => probes[Math.min(probes.length - 1, Math.floor(probes.length * q))]!;
      const [p50, p90, max] = [at(0.5), at(0.9), probes[probes.length - 1]!];
      const stats = (await (await fetch(`${s.url}/v2/models/${MLP_NAME}/stats`)).json()).model_stats[0];
      const inferMs = stats.inference_stats.compute_infer.ns / stats.inference_stats.compute_infer.count / 1e6;
      console.log(`health probes during MLP batch-64 load: ${probes.length} probes, p50 ${p50.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms, max ${max.toFixed(2)} ms (event-loop delay max ${loopMax.toFixed(1)} ms, utilization ${elu.toFixed(2)}); ${done} batch-64 requests, mean compute_infer ${inferMs.toFixed(1)} ms`);
      assert.ok(done >= 4, `the load must really run (${done} requests)`);
      assert.ok(inferMs > 5, 'each MLP execution keeps an instance busy for several ms');
      // With session.run on the event loop, four clients keep the loop busy nearly all the time
      // (utilization ≈ 1) and a probe waits for half a run on average. Here the loop is mostly
      // idle. The slowest probes on a shared, oversubscribed 2-core machine are the OS not
      // scheduling the thread at all (event-loop delay shows the same stall), so the 50 ms bound
      // is asserted on the typical probe, and the loop's own busy share is asserted directly.
      assert.ok(elu < 0.75, `the event loop is not held by compute under load (utilization ${elu.toFixed(2)})`);
      assert.ok(p50 < 50, `a health probe is answered within 50 ms (median ${p50.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms)`);
      assert.ok(p50 < inferMs / 2, `the median probe (${p50.toFixed(1)} ms) does not wait for compute (${inferMs.toFixed(1)} ms per run)`);
    } finally {
      await s.close();
      tmp.remove();
    }
  });

  it('moves tensors to and from an instance by transfer, not copy; a released instance refuses runs', async () => {
    const instance = await ModelInstance.start({ modelPath: join(MNIST_DIR, '1', 'model.onnx'), graphOptimizationLevel: 'all', intraOpNumThreads: 1, nice: 0 });
    try {
      const d = await digit(2);
      const input = { name: 'input', datatype: 'FP32' as const, shape: [1, 1, 28, 28], data: d.pixels.slice() };
      const run = instance.run([input]);
      assert.equal(input.data.buffer.byteLength, 0, 'the input buffer was transferred (detached here)');
      const { outputs, times } = await run;
      assert.equal(argmax(outputs[0]!.data as Float32Array), 2);
      assert.ok(times.inferNs > 0);
      // A view into a larger buffer (e.g. a request body) is copied, never detached from under its owner.
      const body = new Float32Array(784 * 2);
      body.set(d.pixels, 784);
      await instance.run([{ ...input, data: body.subarray(784) }]);
      assert.equal(body.buffer.byteLength, 784 * 2 * 4);
    } finally {
      await instance.release();
    }
    assert.equal(instance.alive, false);
    await assert.rejects(instance.run([]), /released/);
  });

  it('starts instance_group count instances per version and refuses KIND_GPU', async () => {
    const tmp = tempDir('instances');
    const base = readFileSync(join(MNIST_DIR, 'config.pbtxt'), 'utf8');
    const model = (name: string, extra: string): void => {
      mkdirSync(join(tmp.dir, name, '1'), { recursive: true });
      copyFileSync(join(MNIST_DIR, '1', 'model.onnx'), join(tmp.dir, name, '1', 'model.onnx'));
      writeFileSync(join(tmp.dir, name, 'config.pbtxt'), `${base.replace(/name: "[^"]*"/, `name: "${name}"`)}\n${extra}\n`);
    };
    model('three', 'instance_group [ { count: 3 kind: KIND_CPU } ]');
    model('default', '');
    model('gpu', 'instance_group [ { count: 1 kind: KIND_GPU } ]');
    const s = await start({ modelRepository: tmp.dir });
    try {
      const count = (name: string): number => s.server.repository.resolve(name, '1').instances.length;
      assert.equal(count('three'), 3);
      assert.equal(count('default'), 2, "Triton's default for onnxruntime on CPU");
      assert.equal((await fetch(`${s.url}/v2/models/gpu/ready`)).status, 404);
      assert.match(s.server.repository.problems.map((p) => p.message).join('\n'), /KIND_GPU is not available/);
    } finally {
      await s.close();
      tmp.remove();
    }
  });

  it("lowers instance threads' CPU priority by instanceNice; optimization { priority } overrides it per model", { skip: !existsSync('/proc/self/task') && 'Linux only' }, async () => {
    const tmp = tempDir('nice');
    const base = readFileSync(join(MNIST_DIR, 'config.pbtxt'), 'utf8');
    const model = (name: string, extra: string): void => {
      mkdirSync(join(tmp.dir, name, '1'), { recursive: true });
      copyFileSync(join(MNIST_DIR, '1', 'model.onnx'), join(tmp.dir, name, '1', 'model.onnx'));
      writeFileSync(join(tmp.dir, name, 'config.pbtxt'), `${base.replace(/name: "[^"]*"/, `name: "${name}"`)}\n${extra}\n`);
    };
    model('plain', '');
    model('max', 'optimization { priority: PRIORITY_MAX }');
    model('min', 'optimization { priority: PRIORITY_MIN }');
    /** The nice value of each thread of this process by thread id (/proc/<pid>/task/<tid>/stat, field 19). */
    const threadNices = (): Map<string, number> =>
      new Map(
        readdirSync('/proc/self/task').map((tid) => {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
        }),
      );
    const own = getPriority(0);
    assert.ok(own <= 14, 'the test runs at a priority that can be lowered by 5');
    const s = await start({ modelRepository: tmp.dir, instances: 1, instanceNice: 5, intraOpNumThreads: 1 });
    try {
      // Each instance says which thread it is; its nice is read back from the kernel. (Counting the process's new
      // threads instead failed once in a full run: onnxruntime keeps threads of its own, created once per process
      // at the nice of whichever instance made them, and one appeared at an earlier test's nice.)
      const nices = threadNices();
      const niceOf = (name: string): number | undefined => {
        const thread = s.server.repository.resolve(name, '1').instances[0]!.priority.thread;
        assert.ok(thread !== undefined, `${name}: the instance reports its thread id`);
        return nices.get(String(thread));
      };
      assert.equal(niceOf('plain'), own + 5, "plain: the server's instanceNice");
      assert.equal(niceOf('min'), 19, 'PRIORITY_MIN: nice 19');
      assert.equal(niceOf('max'), own, "PRIORITY_MAX computes at the server's priority");
      const response = await fetch(`${s.url}/v2/models/max/infer`, { method: 'POST', body: jsonInfer([(await digit(4)).pixels]) });
      assert.equal(argmax(((await response.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data), 4);
    } finally {
      await s.close();
      tmp.remove();
    }
  });

  it('instanceNice idle: the instance thread runs under SCHED_IDLE at nice 19, and answers', { skip: !existsSync('/proc/self/task') && 'Linux only' }, async () => {
    /** Scheduling policy (field 41 of /proc/<pid>/task/<tid>/stat; SCHED_IDLE = 5) and nice (field 19) of each thread. */
    const threads = (): Map<string, { policy: number; nice: number }> =>
      new Map(
        readdirSync('/proc/self/task').map((tid) => {
          const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          return [tid, { policy: Number(fields[38]), nice: Number(fields[16]) }];
        }),
      );
    const before = threads();
    const instance = await ModelInstance.start({ modelPath: join(MNIST_DIR, '1', 'model.onnx'), graphOptimizationLevel: 'all', intraOpNumThreads: 1, nice: 'idle' });
    try {
      assert.equal(instance.priority.got, 'SCHED_IDLE, nice 19');
      assert.equal(instance.priority.shortfall, undefined);
      assert.deepEqual(threads().get(String(instance.priority.thread)), { policy: 5, nice: 19 }, 'the instance thread, read back from the kernel');
      const idle = [...threads()].filter(([tid, t]) => !before.has(tid) && t.policy === 5);
      assert.ok(idle.every(([, t]) => t.nice === 19), 'every new SCHED_IDLE thread at nice 19');
      assert.ok([...before.keys()].every((tid) => threads().get(tid)?.policy !== 5), 'no thread that was here before changed policy');
      const d = await digit(4);
      const { outputs } = await instance.run([{ name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28], data: d.pixels.slice() }]);
      assert.equal(argmax(outputs[0]!.data as Float32Array), 4);
    } finally {
      await instance.release();
    }
  });

  it('instanceNice idle where SCHED_IDLE cannot be set: the server logs what its instances got instead', { skip: !existsSync('/proc/self/task') && 'Linux only' }, async () => {
    const path = process.env.PATH;
    const logged: string[] = [];
    // Without `chrt` on the PATH (a worker thread copies the environment when it starts).
    process.env.PATH = '/nonexistent';
    let s: Awaited<ReturnType<typeof start>> | undefined;
    try {
      s = await start({ instances: 1, instanceNice: 'idle', intraOpNumThreads: 1, log: (message) => logged.push(message) });
    } finally {
      process.env.PATH = path;
    }
    try {
      // One line per version that started (the repository holds mnist and mnist_int8, loaded in parallel).
      for (const model of ['mnist', 'mnist_int8']) {
        const line = logged.find((message) => message.startsWith(`model ${model} version 1:`));
        assert.match(line ?? JSON.stringify(logged), /^model \S+ version 1: instance threads at nice 19: SCHED_IDLE not set \(.*ENOENT/);
      }
      const response = await fetch(`${s.url}/v2/models/mnist/infer`, { method: 'POST', body: jsonInfer([(await digit(7)).pixels]) });
      assert.equal(argmax(((await response.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data), 7);
    } finally {
      await s.close();
    }
  });
});
