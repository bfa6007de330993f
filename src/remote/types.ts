import type { Engine, EngineHealth, RunOptions } from '../engine.js';

export type RemoteProtocol = 'v2' | 'tfserving';

export interface RemoteConfig {
  /** Server root, e.g. `https://infer.example.com` (a path prefix is kept). */
  url: string;
  protocol: RemoteProtocol;
  /** Default: the manifest's name. */
  model?: string;
  version?: string;
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  /** Per attempt; default 10 000. */
  timeoutMs?: number;
  /** Extra attempts after the first for network errors, 5xx and 429; default 2. */
  retries?: number;
  /** V2 only: the binary tensor data extension instead of JSON numbers; default true. */
  binary?: boolean;
  /** TF Serving only: columnar `inputs` (default) or row `instances`. */
  tfFormat?: 'columnar' | 'row';
  /**
   * Send the request id as an `Idempotency-Key` header too. Off by default: a header a server's
   * CORS policy does not list in Access-Control-Allow-Headers fails the browser's preflight.
   */
  idempotencyKey?: boolean;
  circuit?: CircuitOptions | false;
  backoff?: BackoffPolicy;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export interface CircuitOptions {
  /** Consecutive server faults that open the circuit; default 5. */
  failureThreshold?: number;
  /** How long it stays open before one probe may pass; default 10 000. */
  halfOpenAfterMs?: number;
}

export interface BackoffPolicy {
  baseMs?: number;
  capMs?: number;
  /** A longer Retry-After than this ends the retries instead; default 10 000. */
  retryAfterCapMs?: number;
}

/** Seams for tests: randomness, waiting and time. */
export interface RemoteDeps {
  fetch?: typeof fetch;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export type CircuitState = EngineHealth['circuit'];

/** The Engine contract's health, as a remote's circuit breaker fills it in. */
export type RemoteHealth = EngineHealth;

export interface RemoteEngine extends Engine {
  readonly runtime: 'remote-v2' | 'remote-tfserving';
  health(): RemoteHealth;
  /** Checks the server is ready and serves a model with the manifest's inputs and outputs. */
  verify(options?: RunOptions): Promise<void>;
}

/** Where requests go and how they are authorised; what every client call needs. */
export interface RemoteTarget {
  baseUrl: string;
  model: string;
  version?: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  now: () => number;
}
