import type { RunOptions, TensorMap } from '../engine.js';
import { ModelshipError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';
import { anySignal } from '../abort/signals.js';
import { checkFeeds } from './feeds.js';
import { malformed } from './http.js';
import { checkModelMetadata } from './metadata-check.js';
import { newRequestId } from './request-id.js';
import { createResilience } from './resilience.js';
import { withBatch } from './tensor-check.js';
import { tfModelAvailable, tfModelUrl, tfPredict } from './tfserving-client.js';
import type { RemoteConfig, RemoteDeps, RemoteEngine, RemoteTarget } from './types.js';
import { v2Infer, v2ModelMetadata, v2ModelUrl, v2ServerReady } from './v2-client.js';

export const REMOTE_DEFAULTS = {
  timeoutMs: 10_000,
  retries: 2,
  baseMs: 200,
  capMs: 2_000,
  retryAfterCapMs: 10_000,
  failureThreshold: 5,
  halfOpenAfterMs: 10_000,
} as const;

/** An Engine that runs the model on an inference server (Open Inference Protocol V2 or TF Serving REST). */
export function createRemoteEngine(config: RemoteConfig, manifest: Manifest, deps: RemoteDeps = {}): RemoteEngine {
  const target = targetFor(config, manifest, deps);
  const circuit = config.circuit === false ? { failureThreshold: Infinity } : config.circuit;
  const resilience = createResilience(
    {
      timeoutMs: config.timeoutMs ?? REMOTE_DEFAULTS.timeoutMs,
      retries: config.retries ?? REMOTE_DEFAULTS.retries,
      baseMs: config.backoff?.baseMs ?? REMOTE_DEFAULTS.baseMs,
      capMs: config.backoff?.capMs ?? REMOTE_DEFAULTS.capMs,
      retryAfterCapMs: config.backoff?.retryAfterCapMs ?? REMOTE_DEFAULTS.retryAfterCapMs,
      failureThreshold: circuit?.failureThreshold ?? REMOTE_DEFAULTS.failureThreshold,
      halfOpenAfterMs: circuit?.halfOpenAfterMs ?? REMOTE_DEFAULTS.halfOpenAfterMs,
    },
    deps,
  );
  // Aborts whatever is in flight when the engine is disposed.
  const lifetime = new AbortController();

  async function guarded<T>(work: (signal: AbortSignal) => Promise<T>, options?: RunOptions): Promise<T> {
    if (lifetime.signal.aborted) throw new ModelshipError('DISPOSED', 'The remote engine was disposed');
    const combined = anySignal([options?.signal, lifetime.signal]);
    try {
      return await resilience.execute(work, combined.signal);
    } catch (error) {
      if (lifetime.signal.aborted) throw new ModelshipError('DISPOSED', 'The remote engine was disposed', { cause: error });
      throw error;
    } finally {
      combined.dispose();
    }
  }

  async function run(feeds: TensorMap, options?: RunOptions): Promise<TensorMap> {
    const { inputs, batch } = checkFeeds(feeds, manifest);
    const outputs = manifest.outputs.map((o) => ({ name: o.name, dims: withBatch(o.shape, batch) }));
    const id = newRequestId(deps.random);
    const headers = config.idempotencyKey ? { 'Idempotency-Key': id } : undefined;
    return guarded(
      (signal) =>
        config.protocol === 'v2'
          ? v2Infer(target, { id, inputs, outputs, binary: config.binary ?? true, headers, signal })
          : tfPredict(target, { inputs, outputs, format: config.tfFormat ?? 'columnar', headers, signal }),
      options,
    );
  }

  async function verify(options?: RunOptions): Promise<void> {
    await guarded(async (signal) => {
      if (config.protocol === 'tfserving') {
        if (!(await tfModelAvailable(target, signal))) throw malformed(tfModelUrl(target), 'no version of the model is AVAILABLE');
        return;
      }
      if (!(await v2ServerReady(target, signal))) throw malformed(`${target.baseUrl}/v2/health/ready`, 'the server is not ready');
      checkModelMetadata(v2ModelUrl(target), await v2ModelMetadata(target, signal), manifest);
    }, options);
  }

  return {
    runtime: config.protocol === 'v2' ? 'remote-v2' : 'remote-tfserving',
    runtimeVersion: config.protocol,
    executionProvider: config.protocol,
    run,
    verify,
    health: () => resilience.health(),
    dispose: async () => lifetime.abort(),
  };
}

function targetFor(config: RemoteConfig, manifest: Manifest, deps: RemoteDeps): RemoteTarget {
  let parsed: URL | undefined;
  try {
    parsed = new URL(config.url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    // The app's configuration is wrong, not the server: nothing was sent anywhere.
    throw new ModelshipError('INPUT_INVALID', `options.remote.url ${JSON.stringify(config.url)} is not an http(s) URL`, {
      details: { field: 'options.remote.url', url: config.url },
    });
  }
  return {
    baseUrl: config.url.replace(/\/+$/, ''),
    model: config.model ?? manifest.name,
    version: config.version,
    headers: config.token ? { Authorization: `Bearer ${config.token}` } : {},
    // Bound: a bare `fetch` called off `window` throws "Illegal invocation" in some browsers.
    fetch: config.fetch ?? deps.fetch ?? globalThis.fetch.bind(globalThis),
    now: deps.now ?? Date.now,
  };
}
