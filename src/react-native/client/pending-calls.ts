import type { ModelshipError } from '../../errors.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  cleanup(): void;
}

/** Calls waiting for their reply, by id. Settling removes the entry, so each call settles once. */
export class PendingCalls {
  private readonly calls = new Map<string, Pending>();

  get size(): number {
    return this.calls.size;
  }

  add(id: string, resolve: (value: unknown) => void, reject: (error: Error) => void, cleanup: () => void): void {
    this.calls.set(id, { resolve, reject, cleanup });
  }

  has(id: string): boolean {
    return this.calls.has(id);
  }

  resolve(id: string, value: unknown): boolean {
    const call = this.take(id);
    call?.resolve(value);
    return call !== undefined;
  }

  reject(id: string, error: Error): boolean {
    const call = this.take(id);
    call?.reject(error);
    return call !== undefined;
  }

  /** Rejects every waiting call with one error (the page went away): nobody waits for a reply that cannot come. */
  rejectAll(make: (id: string) => ModelshipError): void {
    for (const id of [...this.calls.keys()]) this.reject(id, make(id));
  }

  private take(id: string): Pending | undefined {
    const call = this.calls.get(id);
    if (!call) return undefined;
    this.calls.delete(id);
    call.cleanup();
    return call;
  }
}
