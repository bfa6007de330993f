import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyBudget } from '../body-budget.js';
import { badRequest, HttpError } from '../errors.js';
import { type BodyLimits, readBody, sendJson } from '../http.js';
import { clientAddress } from './client-address.js';
import { parseFeedback } from './item.js';
import { RateLimiter } from './rate-limit.js';
import { FeedbackStore } from './store.js';

export interface FeedbackServerOptions {
  /** Where `feedback/<model>.jsonl` is kept (`--data-dir`). */
  dataDir: string;
  /** Largest body accepted; default 64 KiB (one 28×28 item is about 10 KiB of JSON). */
  maxBodyBytes?: number;
  /** Bytes of feedback bodies buffered at once, across clients (503 past it); default 8 MiB. */
  maxBufferedBytes?: number;
  /** Sustained requests per minute per client address; default 60. */
  perMinute?: number;
  /** Requests a client may send at once; default 30. */
  burst?: number;
  /**
   * Reverse proxies in front of the server whose X-Forwarded-For entries are trusted for the rate
   * limit's client address (`--trusted-proxies`); default 0: the socket address.
   */
  trustedProxies?: number;
  clock?: () => number;
}

/** `POST /feedback`: authorised like inference, rate-limited per client, validated, stored durably before the answer. */
export class FeedbackIntake {
  readonly store: FeedbackStore;
  private readonly limiter: RateLimiter;
  private readonly body: BodyLimits;
  private readonly clock: () => number;
  private readonly trustedProxies: number;

  constructor(options: FeedbackServerOptions) {
    this.store = new FeedbackStore(options.dataDir);
    this.clock = options.clock ?? Date.now;
    this.trustedProxies = options.trustedProxies ?? 0;
    this.limiter = new RateLimiter(options.perMinute ?? 60, options.burst ?? 30, this.clock);
    // A budget of its own: feedback never takes buffer room from inference requests.
    this.body = { maxBytes: options.maxBodyBytes ?? 64 * 1024, budget: new BodyBudget(options.maxBufferedBytes ?? 8 * 2 ** 20), retryAfterSeconds: 1 };
  }

  /** The routes for the server's router: `/feedback` and `/feedback/summary`, behind `authorize`. */
  route(authorize: (req: IncomingMessage) => void): {
    name: string;
    handle: (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;
  } {
    return {
      name: 'feedback',
      handle: async (req, res, pathname) => {
        if (pathname === '/feedback') await this.handle(req, res, authorize);
        else if (pathname === '/feedback/summary') this.summary(req, res, authorize);
        else return false;
        return true;
      },
    };
  }

  /** `GET /feedback/summary?model=NAME`: accuracy on feedback per version and channel, for the promote/rollback decision. */
  summary(req: IncomingMessage, res: ServerResponse, authorize: (req: IncomingMessage) => void): void {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use GET`, { headers: { Allow: 'GET, HEAD, OPTIONS' } });
    authorize(req);
    const model = new URL(req.url ?? '/', 'http://localhost').searchParams.get('model');
    if (!model) throw badRequest('the model query parameter is required, e.g. /feedback/summary?model=mnist');
    sendJson(res, 200, { model, count: this.store.count(model), versions: this.store.summary(model) }, { 'Cache-Control': 'no-store' });
  }

  async handle(req: IncomingMessage, res: ServerResponse, authorize: (req: IncomingMessage) => void): Promise<void> {
    if (req.method !== 'POST')
      throw new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use POST`, { headers: { Allow: 'POST, OPTIONS' } });
    authorize(req);
    const wait = this.limiter.take(clientAddress(req, this.trustedProxies));
    if (wait > 0) throw new HttpError('TOO_MANY_REQUESTS', `too many feedback requests; retry in ${wait} s`, { headers: { 'Retry-After': String(wait) } });
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw badRequest('Content-Type must be application/json');
    const body = await readBody(req, res, this.body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest('body is not valid JSON');
    }
    const record = parseFeedback(parsed, new Date(this.clock()));
    const { stored } = this.store.append(record);
    // A replay of an id already stored is acknowledged the same way, so a client that lost the answer stops sending.
    sendJson(res, 200, { id: record.id, stored, duplicate: !stored });
  }

  close(): void {
    this.store.close();
  }
}
