import type { FeedbackItem } from './types.js';

export type SendOutcome = { kind: 'delivered' } | { kind: 'retry'; reason: string } | { kind: 'rejected'; reason: string };

export interface SendOptions {
  endpoint: string;
  token: string | undefined;
  timeoutMs: number;
  fetch: typeof fetch;
}

/**
 * One POST of one item. The server stores an id once, so sending again after a lost answer is
 * safe: delivery is at-least-once on the wire and exactly-once in the store. A 400/413/422 says the
 * item itself is wrong (dropped, with a warning); anything else, 401 included (a token to fix, not
 * data to lose), is retried later.
 */
export async function sendItem(item: FeedbackItem, options: SendOptions): Promise<SendOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await options.fetch(options.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(item),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    return { kind: 'retry', reason: `unreachable: ${(error as Error).message}` };
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { kind: 'delivered' };
  const reason = `HTTP ${response.status}: ${text.slice(0, 200)}`;
  return [400, 413, 422].includes(response.status) ? { kind: 'rejected', reason } : { kind: 'retry', reason };
}
