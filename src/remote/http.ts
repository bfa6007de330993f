import { ModelshipError } from '../errors.js';
import type { RemoteTarget } from './types.js';

export interface HttpCall {
  method: 'GET' | 'POST';
  url: string;
  signal: AbortSignal;
  headers?: Record<string, string>;
  body?: Uint8Array<ArrayBuffer> | string;
}

/**
 * One HTTP exchange. A failed connection becomes REMOTE_UNREACHABLE and an error status
 * REMOTE_HTTP carrying the server's `{"error": …}` text. An abort is passed through untouched:
 * whoever owns the signal knows whether it was a timeout or the caller.
 */
export async function send(target: RemoteTarget, call: HttpCall): Promise<Response> {
  let response: Response;
  try {
    response = await target.fetch(call.url, {
      method: call.method,
      headers: { ...target.headers, ...call.headers },
      body: call.body,
      signal: call.signal,
    });
  } catch (cause) {
    if (call.signal.aborted) throw cause;
    throw new ModelshipError('REMOTE_UNREACHABLE', `${call.method} ${call.url} failed: ${reasonOf(cause)}`, {
      cause,
      details: { url: call.url },
    });
  }
  if (!response.ok) throw await statusError(response, call, target.now());
  return response;
}

/** The body, read to the end; a connection cut half-way is REMOTE_UNREACHABLE too. */
export async function readBytes(response: Response, call: HttpCall): Promise<Uint8Array> {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    if (call.signal.aborted) throw cause;
    throw new ModelshipError('REMOTE_UNREACHABLE', `${call.method} ${call.url}: the response body broke off: ${reasonOf(cause)}`, {
      cause,
      details: { url: call.url, status: response.status },
    });
  }
}

export async function readJson(response: Response, call: HttpCall): Promise<unknown> {
  const text = new TextDecoder().decode(await readBytes(response, call));
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw malformed(call.url, `the response is not JSON (${snippet(text)})`, { cause });
  }
}

/** A 2xx answer that cannot be what was asked for. Never retried: asking again gets the same. */
export function malformed(url: string, problem: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}): ModelshipError {
  return new ModelshipError('REMOTE_HTTP', `${url}: ${problem}`, {
    cause: options.cause,
    details: { url, malformed: true, ...options.details },
  });
}

async function statusError(response: Response, call: HttpCall, now: number): Promise<ModelshipError> {
  const text = await response.text().catch(() => '');
  const serverError = errorText(text);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return new ModelshipError('REMOTE_HTTP', `${call.method} ${call.url} answered ${status}${serverError ? `: ${serverError}` : ''}`, {
    details: { status: response.status, url: call.url, serverError, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  });
}

/** Both protocols answer errors as `{"error": "…"}`; anything else is quoted as it came. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body?.error === 'string') return body.error;
  } catch {
    // Not JSON: a proxy's HTML page, say.
  }
  return snippet(text);
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

function reasonOf(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  // Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED …) is in its cause.
  const inner = (cause as { cause?: unknown }).cause;
  return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
}
