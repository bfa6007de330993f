import { isModelshipError, loadModel, ModelshipError, type LoadOptions, type Model } from 'modelship';
import type { PageEvent, Reply, Request, RequestPayloads, WireError } from '../protocol.js';
import { PROTOCOL_VERSION } from '../wire/limits.js';
import { decodeInput } from './decode-input.js';

export interface DispatcherOptions {
  reply(reply: Reply): void;
  emit(event: PageEvent): void;
  /** Options the page applies under the app's (e.g. wasmPaths where the page keeps the runtime). */
  defaults?: Partial<LoadOptions>;
}

/**
 * Runs checked requests against one model. Loads run one after another (a new load replaces the
 * model); predictions wait for a load in progress; every call gets exactly one reply.
 */
export class Dispatcher {
  private model: Promise<Model> | undefined;
  private readonly running = new Map<string, AbortController>();
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  handle(request: Request): void {
    if (request.type === 'cancel') {
      const target = this.running.get((request.payload as RequestPayloads['cancel']).target);
      target?.abort(new ModelshipError('ABORTED', 'Cancelled by the app'));
      this.ok(request.id, { cancelled: target !== undefined });
      return;
    }
    if (this.running.has(request.id)) {
      this.fail(request.id, new ModelshipError('INPUT_INVALID', `A call with id ${request.id} is already running`, { details: { protocol: 'id' } }));
      return;
    }
    const controller = new AbortController();
    this.running.set(request.id, controller);
    this.run(request, controller.signal)
      .then(
        (result) => this.ok(request.id, result),
        (error: unknown) => this.fail(request.id, error),
      )
      .finally(() => this.running.delete(request.id));
  }

  private async run(request: Request, signal: AbortSignal): Promise<unknown> {
    switch (request.type) {
      case 'load':
        return (await this.load(request.id, request.payload as RequestPayloads['load'], signal)).info();
      case 'predict': {
        const model = await this.current();
        return model.predict(await decodeInput((request.payload as RequestPayloads['predict']).input, 'payload.input'), { signal });
      }
      case 'predictBatch': {
        const model = await this.current();
        const wire = (request.payload as RequestPayloads['predictBatch']).inputs;
        const inputs = await Promise.all(wire.map((input, i) => decodeInput(input, `payload.inputs[${i}]`)));
        return model.predictBatch(inputs, { signal });
      }
      case 'info':
        return (await this.current()).info();
      case 'dispose':
        await this.disposeModel();
        return null;
      default:
        throw new ModelshipError('INPUT_INVALID', `Unknown request type ${String(request.type)}`);
    }
  }

  private load(call: string, payload: RequestPayloads['load'], signal: AbortSignal): Promise<Model> {
    const previous = this.model;
    const next = (async () => {
      // The old model is released first: a WebView has little memory to hold two.
      await previous?.then((model) => model.dispose()).catch(() => undefined);
      this.clearSubscriptions();
      const emit = this.options.emit;
      const model = await loadModel(payload.manifestUrl, {
        ...this.options.defaults,
        ...payload.options,
        signal,
        onProgress: (progress) => emit({ v: PROTOCOL_VERSION, event: 'progress', data: { ...progress, call } }),
        onFallback: (data) => emit({ v: PROTOCOL_VERSION, event: 'fallback', data }),
        onWarning: ({ code, message }) => emit({ v: PROTOCOL_VERSION, event: 'warning', data: { code, message } }),
      });
      // loadModel does not check its signal in every phase: a load cancelled late still finishes.
      // The app was told it was cancelled, so the page must not keep a model the app does not know of.
      if (signal.aborted) {
        await model.dispose();
        throw new ModelshipError('ABORTED', 'The load was cancelled by the app', { cause: signal.reason });
      }
      this.unsubscribe = [
        model.on('update', (data) => emit({ v: PROTOCOL_VERSION, event: 'update', data })),
        model.on('rollback', (data) => emit({ v: PROTOCOL_VERSION, event: 'rollback', data })),
      ];
      return model;
    })();
    this.model = next;
    // A failed load leaves no model behind: the next predict says so instead of re-throwing the load error.
    next.catch(() => {
      if (this.model === next) this.model = undefined;
    });
    return next;
  }

  private current(): Promise<Model> {
    if (!this.model)
      return Promise.reject(new ModelshipError('DISPOSED', 'No model is loaded in the page; send "load" first', { details: { protocol: 'not-loaded' } }));
    return this.model;
  }

  private async disposeModel(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    this.clearSubscriptions();
    await model?.then((m) => m.dispose()).catch(() => undefined);
  }

  private clearSubscriptions(): void {
    this.unsubscribe.forEach((off) => off());
    this.unsubscribe = [];
  }

  private ok(id: string, result: unknown): void {
    this.options.reply({ v: PROTOCOL_VERSION, id, ok: true, result });
  }

  private fail(id: string, error: unknown): void {
    this.options.reply({ v: PROTOCOL_VERSION, id, ok: false, error: toWireError(error) });
  }
}

/** The library's error as plain data; anything else is reported as such, never dropped. */
export function toWireError(error: unknown): WireError {
  if (isModelshipError(error)) {
    const wire: WireError = { code: error.code, message: error.message };
    const details = jsonSafe(error.details);
    if (details && Object.keys(details).length > 0) wire.details = details;
    return wire;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: 'BACKEND_UNAVAILABLE', message: `Unexpected error in the host page: ${message}`, details: { unexpected: true } };
}

function jsonSafe(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  try {
    return details === undefined ? undefined : (JSON.parse(JSON.stringify(details)) as Record<string, unknown>);
  } catch {
    return { unserializable: true };
  }
}
