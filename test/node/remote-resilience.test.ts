import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { ModelshipError, isModelshipError } from '../../src/errors.js';
import { abortableSleep } from '../../src/abort/sleep.js';
import { anySignal, raceAbort } from '../../src/abort/signals.js';
import { parseRetryAfter } from '../../src/remote/http.js';
import { newRequestId } from '../../src/remote/request-id.js';
import { createResilience } from '../../src/remote/resilience.js';
import { retryDelay, type RetryPolicy } from '../../src/remote/retry.js';

const POLICY: RetryPolicy = { retries: 10, baseMs: 100, capMs: 1000, retryAfterCapMs: 5000 };
const http = (status: number, details: Record<string, unknown> = {}) =>
  new ModelshipError('REMOTE_HTTP', `status ${status}`, { details: { status, ...details } });

describe('retryDelay', () => {
  it('is full jitter: random(0, min(cap, base·2^attempt))', () => {
    const upper = [0, 1, 2, 3, 4, 5].map((n) => retryDelay(http(503), n, POLICY, () => 1));
    assert.deepEqual(upper, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(retryDelay(http(503), 3, POLICY, () => 0), 0);
    assert.equal(retryDelay(http(503), 3, POLICY, () => 0.25), 200);
  });

  it('retries only unreachable, 5xx and 429, and only `retries` times', () => {
    const unreachable = new ModelshipError('REMOTE_UNREACHABLE', 'down');
    assert.notEqual(retryDelay(unreachable, 0, POLICY, () => 1), undefined);
    assert.notEqual(retryDelay(http(429), 0, POLICY, () => 1), undefined);
    for (const error of [http(400), http(404), new ModelshipError('TIMEOUT', 'slow'), new ModelshipError('ABORTED', 'x'), new Error('x')]) {
      assert.equal(retryDelay(error, 0, POLICY, () => 1), undefined, String(error));
    }
    assert.equal(retryDelay(http(503), 10, POLICY, () => 1), undefined);
  });

  it('takes Retry-After over backoff, up to its cap', () => {
    assert.equal(retryDelay(http(429, { retryAfterMs: 3000 }), 0, POLICY, () => 1), 3000);
    assert.equal(retryDelay(http(429, { retryAfterMs: 6000 }), 0, POLICY, () => 1), undefined);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe('anySignal', () => {
  const original = AbortSignal.any;
  afterEach(() => {
    AbortSignal.any = original;
  });

  for (const [name, setup] of [
    ['native', () => undefined],
    ['fallback (no AbortSignal.any)', () => ((AbortSignal as { any?: unknown }).any = undefined)],
  ] as const) {
    it(`${name}: aborts with the first source's reason`, () => {
      setup();
      const a = new AbortController();
      const b = new AbortController();
      const combined = anySignal([a.signal, undefined, b.signal]);
      assert.equal(combined.signal.aborted, false);
      b.abort('b first');
      a.abort('a second');
      assert.equal(combined.signal.reason, 'b first');
      combined.dispose();
    });

    it(`${name}: starts aborted when a source already is`, () => {
      setup();
      const a = new AbortController();
      a.abort('early');
      assert.equal(anySignal([a.signal]).signal.reason, 'early');
    });
  }

  it('fallback: dispose() detaches from the sources', () => {
    (AbortSignal as { any?: unknown }).any = undefined;
    const source = new AbortController();
    const added = mock.method(source.signal, 'addEventListener');
    const removed = mock.method(source.signal, 'removeEventListener');
    const combined = anySignal([source.signal]);
    combined.dispose();
    assert.equal(added.mock.callCount(), 1);
    assert.equal(removed.mock.callCount(), 1);
    source.abort();
    assert.equal(combined.signal.aborted, false);
  });
});

describe('raceAbort and abortableSleep', () => {
  it('raceAbort rejects on abort even when the work ignores the signal', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => undefined);
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await assert.rejects(raceAbort(never, controller.signal), /stop/);
  });

  it('abortableSleep wakes up as ABORTED, or TIMEOUT for a caller deadline', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(abortableSleep(60_000, controller.signal), (e: unknown) => isModelshipError(e, 'ABORTED'));
    await assert.rejects(abortableSleep(60_000, AbortSignal.timeout(10)), (e: unknown) => isModelshipError(e, 'TIMEOUT'));
  });
});

describe('createResilience with fake timers', () => {
  it('times an attempt out at timeoutMs', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const resilience = createResilience({ timeoutMs: 1000, retries: 0, baseMs: 1, capMs: 1, retryAfterCapMs: 1, failureThreshold: 5, halfOpenAfterMs: 1 });
    const pending = resilience.execute(() => new Promise<never>(() => undefined));
    t.mock.timers.tick(999);
    await Promise.resolve();
    t.mock.timers.tick(1);
    await assert.rejects(pending, (e: unknown) => isModelshipError(e, 'TIMEOUT') && e.details.timeoutMs === 1000);
    assert.equal(resilience.health().consecutiveFailures, 1, 'a timeout is a server fault');
  });

  it('waits the jittered backoff between attempts', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const resilience = createResilience(
      { timeoutMs: 60_000, retries: 1, baseMs: 400, capMs: 1000, retryAfterCapMs: 1, failureThreshold: 5, halfOpenAfterMs: 1 },
      { random: () => 0.5 },
    );
    let attempts = 0;
    const pending = resilience.execute(async () => {
      attempts++;
      if (attempts === 1) throw new ModelshipError('REMOTE_UNREACHABLE', 'down');
      return 'ok';
    });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    t.mock.timers.tick(199);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.equal(attempts, 1, 'still waiting: 0.5 × 400 = 200 ms');
    t.mock.timers.tick(1);
    assert.equal(await pending, 'ok');
    assert.equal(attempts, 2);
  });
});

describe('newRequestId', () => {
  it('is a UUID where crypto.randomUUID exists, and unique without it (plain-http pages)', () => {
    assert.match(newRequestId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
    Object.defineProperty(globalThis, 'crypto', { value: {}, configurable: true });
    try {
      const ids = new Set(Array.from({ length: 100 }, () => newRequestId(() => 0.5)));
      assert.equal(ids.size, 100);
      assert.doesNotMatch([...ids][0]!, /^[0-9a-f]{8}-/);
    } finally {
      Object.defineProperty(globalThis, 'crypto', descriptor);
    }
  });
});
