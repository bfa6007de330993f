import { ModelshipError, type ModelshipErrorCode } from '../../errors.js';
import type { ModelInfo, Prediction } from '../../types.js';
import type { EventData, HelloData, RequestPayloads, RequestType, ResultTypes, WireLoadOptions } from '../protocol.js';
import { Reassembler, splitMessage } from '../wire/chunks.js';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '../wire/limits.js';
import { encodeInput, type AppInput } from './encode-input.js';
import { HelloGate } from './hello-gate.js';
import { isHello, readPageMessage } from './inbound.js';
import { PendingCalls } from './pending-calls.js';
import { createSessionToken } from './token.js';

/** The part of react-native-webview's `WebView` ref the client uses (structural: no React Native import). */
export interface WebViewHandle {
  postMessage(message: string): void;
}

export interface WebViewModelOptions {
  /** The WebView ref's current value; `attach()` can set it later. */
  webView?: WebViewHandle | (() => WebViewHandle | null | undefined);
  /** The session token; default a fresh random one. Inject it with `tokenScript(token)`. */
  token?: string;
  /** Waiting for the page's `hello` (default 20 s). */
  helloTimeoutMs?: number;
  /** Per load (default 120 s: a first download on a slow network). */
  loadTimeoutMs?: number;
  /** Per predict, predictBatch, info or dispose (default 30 s). */
  callTimeoutMs?: number;
  /** Characters per bridge string before chunking; the page's own limit wins when smaller. */
  chunkChars?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type WebViewModelEvents = EventData & { /** The page's process died or it reloaded; pending calls were rejected. */ gone: { reason: string } };

export interface WebViewModel {
  readonly token: string;
  /** The page's latest `hello`, once it arrived. */
  readonly hello: HelloData | undefined;
  load(manifestUrl: string, options?: WireLoadOptions, call?: CallOptions): Promise<ModelInfo>;
  predict(input: AppInput, call?: CallOptions): Promise<Prediction>;
  predictBatch(inputs: readonly AppInput[], call?: CallOptions): Promise<Prediction[]>;
  info(call?: CallOptions): Promise<ModelInfo>;
  dispose(call?: CallOptions): Promise<void>;
  on<E extends keyof WebViewModelEvents>(event: E, handler: (data: WebViewModelEvents[E]) => void): () => void;
  /** Wire to the WebView's `onMessage`: `(e) => model.handleMessage(e.nativeEvent.data)`. */
  handleMessage(data: string): void;
  /** Wire to `onRenderProcessGone` (Android) and `onContentProcessDidTerminate` (iOS). */
  handleProcessGone(reason: string): void;
  attach(webView: WebViewModelOptions['webView']): void;
}

const gone = (reason: string): ModelshipError =>
  new ModelshipError('WORKER_CRASHED', `The WebView's page went away (${reason}); the model re-loads on the next call`, { details: { webview: reason } });

/** The app side of the bridge: typed calls, timeouts, cancellation, chunking, and recovery when the page dies. */
export function createWebViewModel(options: WebViewModelOptions = {}): WebViewModel {
  const token = options.token ?? createSessionToken();
  const pending = new PendingCalls();
  const chunks = new Reassembler(DEFAULT_LIMITS.chunkChars, DEFAULT_LIMITS.maxMessageChars);
  const handlers = new Map<string, Set<(data: never) => void>>();
  let handle = options.webView;
  const gate = new HelloGate();
  // What to load again after the page restarts, and whether the current page has it.
  let wanted: { manifestUrl: string; options: WireLoadOptions | undefined } | undefined;
  let pageHasModel = false;
  let reloading: Promise<unknown> | undefined;
  // Ids are unique per client, not per token: two clients may share a page and a token.
  const prefix = createSessionToken().slice(0, 8);
  let counter = 0;

  const emit = (event: string, data: unknown): void => handlers.get(event)?.forEach((handler) => (handler as (d: unknown) => void)(data));
  const webView = (): WebViewHandle | null | undefined => (typeof handle === 'function' ? handle() : handle);

  function post(json: string, id: string): void {
    const target = webView();
    if (!target) throw new ModelshipError('WORKER_CRASHED', 'No WebView is attached to this model', { details: { webview: 'detached' } });
    const chunkChars = Math.min(options.chunkChars ?? DEFAULT_LIMITS.chunkChars, gate.current?.limits.chunkChars ?? Infinity);
    for (const part of splitMessage(json, id, chunkChars, token)) target.postMessage(part);
  }

  async function call<T extends RequestType>(type: T, payload: RequestPayloads[T], opts: CallOptions = {}): Promise<ResultTypes[T]> {
    const { signal } = opts;
    if (signal?.aborted) throw new ModelshipError('ABORTED', 'The call was aborted', { cause: signal.reason });
    await gate.wait(options.helloTimeoutMs ?? 20_000, signal);
    // After a restart the page has no model: load the last one again before anything that needs it.
    if (type !== 'load' && type !== 'dispose' && !pageHasModel && wanted) {
      const again = wanted;
      const payload = again.options === undefined ? { manifestUrl: again.manifestUrl } : { manifestUrl: again.manifestUrl, options: again.options };
      reloading ??= send('load', payload, { signal })
        .then(() => {
          if (wanted === again) pageHasModel = true;
        })
        .finally(() => (reloading = undefined));
      await reloading;
    }
    return send(type, payload, opts);
  }

  function send<T extends RequestType>(type: T, payload: RequestPayloads[T], opts: CallOptions): Promise<ResultTypes[T]> {
    const id = `${prefix}-${++counter}`;
    const timeoutMs = opts.timeoutMs ?? (type === 'load' ? (options.loadTimeoutMs ?? 120_000) : (options.callTimeoutMs ?? 30_000));
    const instance = gate.current?.instance;
    return new Promise<ResultTypes[T]>((resolve, reject) => {
      const cancel = (code: ModelshipErrorCode, message: string, cause?: unknown): void => {
        if (!pending.reject(id, new ModelshipError(code, message, { cause, details: { call: id } }))) return;
        // Tell the page, so it stops the work; its late reply finds no pending call and is dropped.
        if (gate.current?.instance === instance)
          post(JSON.stringify({ v: PROTOCOL_VERSION, id: `${id}.cancel`, token, type: 'cancel', payload: { target: id } }), `${id}.cancel`);
      };
      const onAbort = (): void => cancel('ABORTED', `${type} was aborted`, opts.signal?.reason);
      const timer = setTimeout(() => cancel('TIMEOUT', `${type} got no reply within ${timeoutMs} ms`), timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      pending.add(id, resolve as (value: unknown) => void, reject, () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      });
      try {
        post(JSON.stringify({ v: PROTOCOL_VERSION, id, token, type, payload }), id);
      } catch (error) {
        pending.reject(id, error as Error);
      }
    });
  }

  function pageRestarted(reason: string): void {
    pageHasModel = false;
    chunks.clear();
    pending.rejectAll(() => gone(reason));
    emit('gone', { reason });
  }

  return {
    token,
    get hello() {
      return gate.current;
    },
    async load(manifestUrl, loadOptions, opts) {
      // The page drops its model before loading the next, so until this load succeeds there is nothing to re-load.
      wanted = undefined;
      pageHasModel = false;
      const info = await call('load', loadOptions === undefined ? { manifestUrl } : { manifestUrl, options: loadOptions }, opts);
      wanted = { manifestUrl, options: loadOptions };
      pageHasModel = true;
      return info;
    },
    // async: a bad input rejects like every other failure instead of throwing synchronously.
    predict: async (input, opts) => call('predict', { input: encodeInput(input, 'input') }, opts),
    predictBatch: async (inputs, opts) => call('predictBatch', { inputs: inputs.map((input, i) => encodeInput(input, `inputs[${i}]`)) }, opts),
    info: (opts) => call('info', {}, opts),
    async dispose(opts) {
      wanted = undefined;
      pageHasModel = false;
      if (gate.current) await call('dispose', {}, opts);
    },
    on(event, handler) {
      const set = handlers.get(event) ?? new Set();
      handlers.set(event, set);
      set.add(handler as (data: never) => void);
      return () => set.delete(handler as (data: never) => void);
    },
    handleMessage(data) {
      const inbound = readPageMessage(data, chunks);
      if (inbound.kind === 'reply') {
        const { reply } = inbound;
        if (reply.ok) pending.resolve(reply.id, reply.result);
        else pending.reject(reply.id, new ModelshipError(reply.error.code as ModelshipErrorCode, reply.error.message, { details: reply.error.details ?? {} }));
      } else if (inbound.kind === 'event' && isHello(inbound.event)) {
        const hello = inbound.event.data;
        const restarted = gate.current !== undefined && gate.current.instance !== hello.instance;
        if (restarted) pageRestarted('page-reloaded');
        gate.open(hello);
        emit('hello', hello);
      } else if (inbound.kind === 'event') {
        emit(inbound.event.event, inbound.event.data);
      } else if (inbound.kind === 'invalid') {
        emit('warning', { code: 'INPUT_INVALID', message: `Dropped a message from the page: ${inbound.reason}`, details: { protocol: 'inbound' } });
      }
    },
    handleProcessGone(reason) {
      gate.close();
      pageRestarted(reason);
    },
    attach(next) {
      handle = next;
    },
  };
}
