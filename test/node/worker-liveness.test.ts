import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LivenessReply, LivenessRequest } from '../../src/worker/protocol.js';
import { watchLiveness } from '../../src/worker/liveness.js';
import { RunChannel } from '../../src/worker/run-channel.js';

/*
 * The ping path of the liveness check, for browsers without Web Locks (the lock path is proven in
 * Chromium by test/browser/worker-liveness.spec.ts). The worker's end of a real MessageChannel
 * answers pings the way src/worker/entry.ts does, until the test makes it stop.
 */
function workerEnd(port: MessagePort): { stop(): void } {
  let answering = true;
  port.onmessage = (event: MessageEvent<LivenessRequest>) => {
    if (answering && 'ping' in event.data) port.postMessage({ pong: event.data.ping } satisfies LivenessReply);
  };
  return { stop: () => (answering = false) };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchLiveness without Web Locks: a ping on the run port', () => {
  it('leaves a worker that answers alone, and notices within pongWithinMs once it stops answering', async () => {
    const { port1, port2 } = new MessageChannel();
    const worker = workerEnd(port2);
    const channel = new RunChannel(port1);
    let deadAt: number | undefined;
    const unwatch = watchLiveness(
      channel,
      () => false,
      () => (deadAt ??= Date.now()),
      { locks: undefined, pingEveryMs: 50, pongWithinMs: 200 },
    );
    try {
      await wait(500);
      assert.equal(deadAt, undefined, 'an answering worker is alive');
      const stopped = Date.now();
      worker.stop();
      await wait(600);
      assert.ok(deadAt !== undefined, 'a silent worker is declared dead');
      assert.ok(deadAt - stopped < 450, `noticed after ${deadAt - stopped} ms`);
    } finally {
      unwatch();
      channel.close();
      port1.close();
      port2.close();
    }
  });

  it('does not judge a busy worker (a run or a load in flight cannot answer a ping)', async () => {
    const { port1, port2 } = new MessageChannel();
    workerEnd(port2).stop();
    const channel = new RunChannel(port1);
    let busy = true;
    let dead = false;
    const unwatch = watchLiveness(
      channel,
      () => busy,
      () => (dead = true),
      { locks: undefined, pingEveryMs: 50, pongWithinMs: 150 },
    );
    try {
      await wait(500);
      assert.equal(dead, false, 'silent but busy is not dead');
      busy = false;
      await wait(500);
      assert.equal(dead, true, 'silent and idle is dead');
    } finally {
      unwatch();
      channel.close();
      port1.close();
      port2.close();
    }
  });
});
