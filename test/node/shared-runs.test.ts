import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TensorMap } from '../../src/engine.js';
import { isModelshipError, ModelshipError } from '../../src/errors.js';
import { serializeError } from '../../src/errors-wire.js';
import type { RunReply, RunRequest, SharedReady, SharedSetup } from '../../src/worker/protocol.js';
import { RunChannel } from '../../src/worker/run-channel.js';
import { serveSharedRuns } from '../../src/worker/shared-runs.js';
import { SLOT_VALUES } from '../../src/worker/shared-slot.js';

/*
 * The shared-memory run channel end to end in one process: the page's RunChannel on one end of a real
 * MessageChannel, and on the other the worker's two ways in as src/worker/entry.ts wires them (the
 * slot's loop in shared-runs.ts, and RunRequests as messages). Node has SharedArrayBuffer and
 * Atomics.waitAsync, so both ends wait exactly as they do in a browser.
 */
type Answer = (feeds: TensorMap, id: number) => Promise<RunReply>;

interface WorkerEnd {
  /** Ids of the runs that arrived as messages (the rest came through the slot). */
  byMessage: number[];
  loopEnded: Promise<void>;
}

function workerEnd(port: MessagePort, answer: Answer, { ignoreSetup = false } = {}): WorkerEnd {
  const byMessage: number[] = [];
  let ended!: () => void;
  const loopEnded = new Promise<void>((resolve) => (ended = resolve));
  const send = (message: RunReply | SharedReady): void => port.postMessage(message);
  port.onmessage = (event: MessageEvent<RunRequest | SharedSetup>) => {
    const data = event.data;
    if ('shared' in data) {
      // An older worker script does not know the setup message and drops it.
      if (ignoreSetup) ended();
      else void serveSharedRuns(data, answer, send).then(ended);
    }
    else {
      byMessage.push(data.id);
      void answer(data.feeds, data.id).then(send);
    }
  };
  return { byMessage, loopEnded };
}

/** Doubles the input, after `delayMs`: a model with input `x` and output `y`. */
const doubling =
  (delayMs = 0): Answer =>
  async (feeds, id) => {
    await wait(delayMs);
    const x = feeds['x']!;
    return { ok: true, value: { y: { data: x.data.map((v) => v * 2), dims: [...x.dims] } }, id };
  };

const feeds = (...values: number[]): TensorMap => ({ x: { data: Float32Array.from(values), dims: [1, values.length] } });
const code = (error: unknown): string => (isModelshipError(error) ? error.code : String(error));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until the worker's end says it serves the slot. */
async function untilSharing(channel: RunChannel): Promise<void> {
  for (let i = 0; i < 100 && !channel.sharing; i++) await wait(5);
  assert.equal(channel.sharing, true, 'the worker end acknowledged the slot');
}

async function withChannel(answer: Answer, use: (channel: RunChannel, worker: WorkerEnd) => Promise<void>): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  const worker = workerEnd(port2, answer);
  const channel = new RunChannel(port1);
  channel.onTimeout = () => assert.fail('no run should time out');
  channel.shareMemory('x', 'y');
  try {
    await untilSharing(channel);
    await use(channel, worker);
  } finally {
    channel.close();
    // Closing the slot ends the worker's loop: nothing is left waiting.
    await worker.loopEnded;
    port1.close();
    port2.close();
  }
}

describe('shared-memory runs (shared-slot.ts, shared-runs.ts, RunChannel.shareMemory)', () => {
  it('one run at a time travels through the slot, with its output and dims, and sends no message', async () => {
    await withChannel(doubling(), async (channel, worker) => {
      for (let i = 1; i <= 5; i++) {
        const out = await channel.run(feeds(i, i + 0.5, -i));
        assert.deepEqual([...out['y']!.data], [2 * i, 2 * i + 1, -2 * i]);
        assert.deepEqual(out['y']!.dims, [1, 3]);
      }
      assert.deepEqual(worker.byMessage, []);
      assert.equal(channel.pendingRuns, 0);
    });
  });

  it('a second run while the slot is busy goes as a message; every answer reaches its own caller', async () => {
    await withChannel(doubling(20), async (channel, worker) => {
      const outs = await Promise.all([1, 2, 3, 4].map((v) => channel.run(feeds(v))));
      assert.deepEqual(
        outs.map((out) => out['y']!.data[0]),
        [2, 4, 6, 8],
      );
      // The first took the slot; the three sent while it was busy went as messages.
      assert.equal(worker.byMessage.length, 3);
      const again = await channel.run(feeds(10));
      assert.equal(again['y']!.data[0], 20);
      assert.equal(worker.byMessage.length, 3, 'the slot is free again once its reply is read');
    });
  });

  it('an error in the worker comes back as its message and rejects with its code; the slot serves the next run', async () => {
    let fail = true;
    const answer: Answer = async (input, id) => {
      if (fail) return { ok: false, error: serializeError(new ModelshipError('BACKEND_UNAVAILABLE', 'the session is gone')), id };
      return doubling()(input, id);
    };
    await withChannel(answer, async (channel, worker) => {
      await assert.rejects(channel.run(feeds(1)), (error) => code(error) === 'BACKEND_UNAVAILABLE' && /session is gone/.test((error as Error).message));
      fail = false;
      // The error's message can arrive before the slot's own "answered" (both are queued tasks): a run sent in
      // between goes as a message. Once the slot is free, runs use it again.
      await wait(50);
      assert.equal((await channel.run(feeds(3)))['y']!.data[0], 6);
      assert.deepEqual(worker.byMessage, []);
    });
  });

  it('inputs or outputs larger than the slot, and runs of other inputs, go as messages', async () => {
    const wide = (values: number): Answer => async (_feeds, id) => ({ ok: true, value: { y: { data: new Float32Array(values).fill(1), dims: [1, values] } }, id });
    await withChannel(wide(SLOT_VALUES + 1), async (channel, worker) => {
      // Input fits, output does not: the reply comes as a message.
      const out = await channel.run(feeds(1));
      assert.equal(out['y']!.data.length, SLOT_VALUES + 1);
      // Input does not fit: the request goes as a message.
      const big = { x: { data: new Float32Array(SLOT_VALUES + 1), dims: [1, SLOT_VALUES + 1] } };
      assert.equal((await channel.run(big))['y']!.data.length, SLOT_VALUES + 1);
      // Two inputs: a message.
      await channel.run({ ...feeds(1), z: { data: new Float32Array(1), dims: [1, 1] } });
      assert.equal(worker.byMessage.length, 2);
    });
  });

  it('an aborted run rejects at once; its late answer only frees the slot for the next run', async () => {
    await withChannel(doubling(60), async (channel, worker) => {
      const controller = new AbortController();
      const aborted = channel.run(feeds(1), controller.signal);
      controller.abort();
      await assert.rejects(aborted, (error) => code(error) === 'ABORTED');
      // Sent while the aborted run still holds the slot: a message.
      assert.equal((await channel.run(feeds(2)))['y']!.data[0], 4);
      assert.equal(worker.byMessage.length, 1);
      // The aborted run's answer comes 60 ms after it was sent, and frees the slot.
      await wait(250);
      assert.equal((await channel.run(feeds(3)))['y']!.data[0], 6);
      assert.equal(worker.byMessage.length, 1, 'back on the slot');
    });
  });

  it('until the worker says it serves the slot, and with a worker that never does (an older script), runs are messages', async () => {
    const { port1, port2 } = new MessageChannel();
    const worker = workerEnd(port2, doubling(), { ignoreSetup: true });
    const channel = new RunChannel(port1);
    channel.shareMemory('x', 'y');
    try {
      for (let i = 1; i <= 3; i++) assert.equal((await channel.run(feeds(i)))['y']!.data[0], 2 * i);
      await wait(20);
      assert.equal((await channel.run(feeds(4)))['y']!.data[0], 8);
      assert.equal(channel.sharing, false);
      assert.deepEqual(worker.byMessage, [1, 2, 3, 4]);
    } finally {
      channel.close();
      port1.close();
      port2.close();
    }
  });

  it('a run in flight when the channel closes is rejected by rejectAll and nothing waits forever', async () => {
    const { port1, port2 } = new MessageChannel();
    // A run that never ends, like a worker that died mid-run.
    const worker = workerEnd(port2, () => new Promise<RunReply>(() => undefined));
    const channel = new RunChannel(port1);
    channel.shareMemory('x', 'y');
    await untilSharing(channel);
    const running = channel.run(feeds(1));
    await wait(20);
    channel.rejectAll(new ModelshipError('WORKER_CRASHED', 'gone'));
    channel.close();
    await assert.rejects(running, (error) => code(error) === 'WORKER_CRASHED');
    // The worker's loop would see the closed slot once its run ended; this one never ends (in the library
    // the worker is terminated). The page's waiter was woken by the close: no timer or wait is left.
    assert.equal(channel.pendingRuns, 0);
    port1.close();
    port2.close();
    void worker;
  });
});
