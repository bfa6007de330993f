import { ModelshipError } from '../../errors.js';
import type { HelloData } from '../protocol.js';

/**
 * Whether the page is listening: a message sent before its `hello` would be lost. Calls wait
 * here (bounded by a timeout and their signal) until the page says hello, again after it died.
 */
export class HelloGate {
  private hello: HelloData | undefined;
  private waiters = new Set<() => void>();

  get current(): HelloData | undefined {
    return this.hello;
  }

  open(hello: HelloData): void {
    this.hello = hello;
    const waiters = [...this.waiters];
    this.waiters.clear();
    waiters.forEach((resolve) => resolve());
  }

  close(): void {
    this.hello = undefined;
  }

  wait(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.hello) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (error?: ModelshipError): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(done);
        if (error) reject(error);
        else resolve();
      };
      const done = (): void => settle();
      const onAbort = (): void => settle(new ModelshipError('ABORTED', 'The call was aborted', { cause: signal?.reason }));
      const timer = setTimeout(
        () => settle(new ModelshipError('TIMEOUT', `The host page did not say hello within ${timeoutMs} ms`, { details: { webview: 'no-hello' } })),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(done);
    });
  }
}
