import type { RunChannel } from './run-channel.js';

export interface LivenessOptions {
  /** Without Web Locks: how often an idle worker is pinged, and how long a pong may take. */
  pingEveryMs?: number;
  pongWithinMs?: number;
  /** Names the lock; injected for tests. */
  random?: () => number;
  locks?: LockManager | undefined;
}

/**
 * Notices a worker that stopped without an error event (`self.close()`, the browser ending it).
 *
 * With Web Locks (every current browser, secure contexts): the worker holds a lock of a unique
 * name for as long as it lives, and this side queues for the same lock. The browser grants it the
 * moment the worker's context ends, even while the worker was busy in a long synchronous run, so
 * in-flight calls are rejected at once instead of at the run deadline.
 *
 * Without them: a ping on the worker's channel while no run is in flight (a busy worker cannot answer, so
 * only an idle one is judged: no run, no load); a dead idle worker is replaced before the next call waits on it,
 * and a call in flight falls back on the run deadline.
 */
export function watchLiveness(channel: RunChannel, busy: () => boolean, onDead: (how: string) => void, options: LivenessOptions = {}): () => void {
  const locks = 'locks' in options ? options.locks : globalThis.navigator?.locks;
  const stop = new AbortController();
  let ended = false;
  const dead = (how: string): void => {
    if (ended) return;
    end();
    onDead(how);
  };
  let pinger: ReturnType<typeof setInterval> | undefined;
  const end = (): void => {
    ended = true;
    stop.abort();
    clearInterval(pinger);
    channel.onLiveness = undefined;
  };

  if (locks) {
    const name = `modelship-worker-${Math.floor((options.random ?? Math.random)() * 2 ** 52).toString(36)}`;
    channel.onLiveness = (reply) => {
      if (!('held' in reply) || reply.held !== name) return;
      locks.request(name, { signal: stop.signal }, () => dead('it ended without an error event')).catch(() => undefined);
    };
    channel.sendLiveness({ hold: name });
    return end;
  }

  const every = options.pingEveryMs ?? 500;
  const within = options.pongWithinMs ?? 1000;
  let waiting: { ping: number; since: number } | undefined;
  let counter = 0;
  channel.onLiveness = (reply) => {
    if ('pong' in reply && reply.pong === waiting?.ping) waiting = undefined;
  };
  pinger = setInterval(() => {
    if (busy()) {
      waiting = undefined;
      return;
    }
    if (waiting && Date.now() - waiting.since > within) return dead(`it did not answer a ping within ${within} ms`);
    if (!waiting) {
      waiting = { ping: ++counter, since: Date.now() };
      channel.sendLiveness({ ping: waiting.ping });
    }
  }, every);
  return end;
}
