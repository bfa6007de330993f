import { ModelshipError, isModelshipError } from '../errors.js';
import { isServerFault } from './faults.js';
import type { CircuitState, RemoteHealth } from './types.js';

export interface BreakerOptions {
  failureThreshold: number;
  halfOpenAfterMs: number;
}

/**
 * Closed: everything passes; `failureThreshold` server faults in a row open it. Open: every call
 * is refused with CIRCUIT_OPEN at once, so a dead server costs nothing, until `halfOpenAfterMs`
 * has passed. Half-open: one probe passes (others are still refused); its success closes the
 * circuit, its failure opens it again for another full wait.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private lastError: RemoteHealth['lastError'];

  constructor(
    private readonly options: BreakerOptions,
    private readonly now: () => number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    const probe = this.admit();
    try {
      const result = await work();
      this.state = 'closed';
      this.failures = 0;
      return result;
    } catch (error) {
      this.failed(error, probe);
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  health(): RemoteHealth {
    const circuit = this.state === 'open' && this.waited() ? 'half-open' : this.state;
    return { circuit, consecutiveFailures: this.failures, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  /** Returns whether this call is the half-open probe. */
  private admit(): boolean {
    if (this.state === 'open' && this.waited()) this.state = 'half-open';
    if (this.state === 'closed') return false;
    if (this.state === 'half-open' && !this.probing) {
      this.probing = true;
      return true;
    }
    const retryInMs = Math.max(0, this.openedAt + this.options.halfOpenAfterMs - this.now());
    throw new ModelshipError(
      'CIRCUIT_OPEN',
      `The remote endpoint failed ${this.failures} times in a row; not trying it again for ${retryInMs} ms` +
        (this.lastError ? ` (last: ${this.lastError.message})` : ''),
      { details: { retryInMs, consecutiveFailures: this.failures, lastError: this.lastError } },
    );
  }

  private failed(error: unknown, probe: boolean): void {
    if (!isServerFault(error)) return;
    this.failures++;
    this.lastError = {
      code: isModelshipError(error) ? error.code : 'REMOTE_UNREACHABLE',
      message: error instanceof Error ? error.message : String(error),
      at: this.now(),
    };
    if (probe || this.failures >= this.options.failureThreshold) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  private waited(): boolean {
    return this.now() - this.openedAt >= this.options.halfOpenAfterMs;
  }
}
