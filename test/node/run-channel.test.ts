import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TensorMap } from '../../src/engine.js';
import { isModelshipError } from '../../src/errors.js';
import type { RunReply, RunRequest } from '../../src/worker/protocol.js';
import { RunChannel } from '../../src/worker/run-channel.js';

/*
 * The run port's deadlines and cancellation: one timer for the channel (not one per run), the same
 * TIMEOUT and ABORTED as before. The worker's end of a real MessageChannel answers the way
 * src/worker/entry.ts does, after a delay per request that the test chooses (never: no answer).
 */
function workerEnd(port: MessagePort, delayOf: (id: number) => number | 'never'): void {
  port.onmessage = (event: MessageEvent<RunRequest>) => {
    const { id, feeds } = event.data;
    const delay = delayOf(id);
    if (delay === 'never') return;
    const value: TensorMap = { out: { data: new Float32Array([id, feeds['x']!.data[0]!]), dims: [1, 2] } };
    setTimeout(() => port.postMessage({ ok: true, value, id } satisfies RunReply), delay);
  };
}

const feeds = (value: number): TensorMap => ({ x: { data: new Float32Array([value]), dims: [1, 1] } });
const code = (error: unknown): string => (isModelshipError(error) ? error.code : String(error));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RunChannel: deadlines on one timer, cancellation', () => {
  it('matches replies by id, in whatever order they come', async () => {
    const { port1, port2 } = new MessageChannel();
    workerEnd(port2, (id) => (id === 1 ? 60 : 5));
    const channel = new RunChannel(port1);
    try {
      channel.onTimeout = () => assert.fail('no run timed out');
      const [a, b] = await Promise.all([channel.run(feeds(10)), channel.run(feeds(20))]);
      assert.deepEqual([...a['out']!.data], [1, 10]);
      assert.deepEqual([...b['out']!.data], [2, 20]);
      assert.equal(channel.pendingRuns, 0);
    } finally {
      channel.close();
      port1.close();
      port2.close();
    }
  });

  it('a run without a reply rejects TIMEOUT at its deadline and calls onTimeout; a later run gets its own deadline', async () => {
    // (In the engine onTimeout ends the worker, which rejects the other runs at once; here it only records.)
    const { port1, port2 } = new MessageChannel();
    workerEnd(port2, () => 'never');
    const channel = new RunChannel(port1);
    const timeouts: number[] = [];
    const started = performance.now();
    try {
      channel.timeoutMs = 150;
      channel.onTimeout = () => timeouts.push(performance.now() - started);
      const first = channel.run(feeds(1));
      await wait(100);
      const second = channel.run(feeds(2));
      const [one, two] = await Promise.allSettled([first, second]);
      assert.equal(one.status === 'rejected' && code(one.reason), 'TIMEOUT');
      assert.equal(two.status === 'rejected' && code(two.reason), 'TIMEOUT');
      assert.equal(timeouts.length, 2);
      // Each at its own deadline (150 ms and 250 ms after the start), not both at the first.
      assert.ok(timeouts[0]! >= 140 && timeouts[0]! < 240, `first at ${timeouts[0]}`);
      assert.ok(timeouts[1]! >= 240, `second at ${timeouts[1]}`);
      assert.equal(channel.pendingRuns, 0);
    } finally {
      channel.close();
      port1.close();
      port2.close();
    }
  });

  it('many runs set one timer, not one each', async () => {
    const { port1, port2 } = new MessageChannel();
    workerEnd(port2, () => 0);
    const channel = new RunChannel(port1);
    const original = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return original(...args);
    }) as typeof setTimeout;
    try {
      channel.onTimeout = () => assert.fail('no timeout');
      for (let i = 0; i < 50; i++) await channel.run(feeds(i));
    } finally {
      globalThis.setTimeout = original;
      channel.close();
      port1.close();
      port2.close();
    }
    // The worker's end above sets its own reply timers through the same global: 50 of them, plus the channel's one.
    assert.equal(timers, 51);
  });

  it("the caller's signal rejects ABORTED at once, the late reply is dropped, and the channel keeps serving", async () => {
    const { port1, port2 } = new MessageChannel();
    workerEnd(port2, (id) => (id === 1 ? 100 : 0));
    const channel = new RunChannel(port1);
    try {
      const controller = new AbortController();
      channel.onTimeout = () => assert.fail('no timeout');
      const run = channel.run(feeds(1), controller.signal);
      const at = performance.now();
      controller.abort(new Error('the user left'));
      await assert.rejects(run, (error) => code(error) === 'ABORTED');
      assert.ok(performance.now() - at < 50);
      assert.equal(channel.pendingRuns, 0);
      await wait(150);
      const next = await channel.run(feeds(7));
      assert.deepEqual([...next['out']!.data], [2, 7]);
      // Aborted before the call: nothing is posted.
      await assert.rejects(channel.run(feeds(8), controller.signal), (error) => code(error) === 'ABORTED');
    } finally {
      channel.close();
      port1.close();
      port2.close();
    }
  });
});
