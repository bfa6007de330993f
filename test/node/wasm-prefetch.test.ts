import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { wasmToPrefetch } from '../../src/runtimes/wasm-to-prefetch.js';
import type { RuntimeConfig } from '../../src/runtimes/types.js';
import { prefetchWasm } from '../../src/worker/wasm-prefetch.js';

const URL_ = 'https://app.example/wasm/tfjs-backend-wasm-simd.wasm';

/** A fetch that records each call and answers with a Response naming the call, or waits for its signal when told. */
function fakeFetch() {
  const calls: { url: string; signal?: AbortSignal | null }[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), signal: init?.signal });
    return new Response(`call ${calls.length}`);
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

describe('prefetchWasm', () => {
  const real = globalThis.fetch;
  let fake: ReturnType<typeof fakeFetch>;
  beforeEach(() => {
    fake = fakeFetch();
    globalThis.fetch = fake.fetch;
  });
  afterEach(() => {
    globalThis.fetch = real;
  });

  it('starts the request at once and hands that response to the first GET of the same URL, once', async () => {
    const stop = prefetchWasm(URL_);
    assert.equal(fake.calls.length, 1);
    const first = await fetch(URL_, { credentials: 'same-origin' });
    assert.equal(await first.text(), 'call 1');
    assert.equal(fake.calls.length, 1);
    // A second request for it (a glue's retry) and any other request go to the network.
    assert.equal(await (await fetch(URL_)).text(), 'call 2');
    assert.equal(await (await fetch('https://app.example/other.wasm')).text(), 'call 3');
    stop();
    assert.equal(globalThis.fetch, fake.fetch);
    assert.equal(fake.calls[0]!.signal?.aborted, false, 'a response that was taken is not cancelled');
  });

  it('cancels the request when nobody took it, and leaves a POST of the same URL alone', async () => {
    const stop = prefetchWasm(URL_);
    assert.equal(await (await fetch(URL_, { method: 'POST' })).text(), 'call 2');
    stop();
    assert.equal(fake.calls[0]!.signal?.aborted, true);
    assert.equal(globalThis.fetch, fake.fetch);
    assert.equal(await (await fetch(URL_)).text(), 'call 3');
  });

  it('gives a prefetch that failed to the runtime as its own failure', async () => {
    globalThis.fetch = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof globalThis.fetch;
    const stop = prefetchWasm(URL_);
    await assert.rejects(fetch(URL_), /Failed to fetch/);
    stop();
  });
});

describe('wasmToPrefetch', () => {
  const config = (over: Partial<RuntimeConfig>): RuntimeConfig => ({ runtime: 'tfjs-wasm', numThreads: 1, wasmPaths: 'https://app.example/wasm/', ...over }) as RuntimeConfig;
  it('names tfjs-wasm single-threaded SIMD under wasmPaths, joined as tfjs joins it', () => {
    // Node's WebAssembly validates SIMD, as every current browser does.
    assert.equal(wasmToPrefetch(config({})), URL_);
  });
  it('names nothing it cannot repeat exactly: other runtimes, no wasmPaths (the bundler writes the URL)', () => {
    assert.equal(wasmToPrefetch(config({ runtime: 'onnx-wasm' })), undefined);
    assert.equal(wasmToPrefetch(config({ wasmPaths: undefined })), undefined);
  });
});
