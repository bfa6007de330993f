import type { ReportBody } from './monitor.js';
import { Outbox } from './outbox.js';
import type { MonitoringOptions, MonitoringSnapshot } from './types.js';

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_OUTBOX_MAX = 50;

/**
 * Sends aggregated reports to `options.endpoint` every `intervalMs`; what cannot be sent waits
 * in the outbox and goes with the next successful send. On `pagehide` whatever is pending leaves
 * with `navigator.sendBeacon` (or `fetch(…, { keepalive })` when a token must be sent, since a
 * beacon cannot carry an Authorization header).
 */
export class Reporter {
  private readonly outbox: Outbox<ReportBody>;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly onPageHide = (): void => this.beacon();
  private sending: Promise<void> = Promise.resolve();
  private sent = 0;
  private failed = 0;

  constructor(
    private readonly options: MonitoringOptions & { endpoint?: string },
    private readonly drain: () => ReportBody[],
  ) {
    this.outbox = new Outbox(options.outboxMax ?? DEFAULT_OUTBOX_MAX);
    this.timer = setInterval(() => void this.flush(), options.intervalMs ?? DEFAULT_INTERVAL_MS);
    // In Node a pending report must not keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
    globalThis.addEventListener?.('pagehide', this.onPageHide);
  }

  /** Sends what was gathered since the last report, plus anything queued. */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.send());
    return this.sending;
  }

  status(): MonitoringSnapshot['reports'] {
    return { endpoint: this.options.endpoint, sent: this.sent, failed: this.failed, queued: this.outbox.size, dropped: this.outbox.dropped };
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
    globalThis.removeEventListener?.('pagehide', this.onPageHide);
    await this.flush();
  }

  private async send(): Promise<void> {
    const fresh = this.drain().filter(hasContent);
    const queued = await this.outbox.take();
    const reports = [...queued, ...fresh];
    if (reports.length === 0) return;
    try {
      const response = await (this.options.fetch ?? fetch)(this.options.endpoint!, {
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify({ reports }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.sent += reports.length;
    } catch {
      // Offline or refused: keep them for the next attempt (bounded; the oldest go first).
      this.failed += reports.length;
      await this.outbox.add(reports);
    }
  }

  private beacon(): void {
    const reports = this.drain().filter(hasContent);
    if (reports.length === 0) return;
    const body = JSON.stringify({ reports });
    const endpoint = this.options.endpoint!;
    if (!this.options.token && typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function') {
      // text/plain keeps it a CORS-simple request; the server parses the body as JSON whatever the type.
      if (navigator.sendBeacon(endpoint, new Blob([body], { type: 'text/plain' }))) {
        this.sent += reports.length;
        return;
      }
    } else if (typeof fetch === 'function') {
      void fetch(endpoint, { method: 'POST', headers: this.headers(), body, keepalive: true }).catch(() => undefined);
      this.sent += reports.length;
      return;
    }
    void this.outbox.add(reports);
  }

  private headers(): Record<string, string> {
    return { 'content-type': 'application/json', ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) };
  }
}

function hasContent(report: ReportBody): boolean {
  return (
    report.predictions > 0 ||
    Object.keys(report.errors).length > 0 ||
    Object.values(report.cache).some((n) => n > 0) ||
    Object.keys(report.fallbacks).length > 0
  );
}
