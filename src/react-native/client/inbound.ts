import type { Chunk, HelloData, PageEvent, Reply } from '../protocol.js';
import type { Reassembler } from '../wire/chunks.js';
import { PROTOCOL_VERSION } from '../wire/limits.js';

export type Inbound = { kind: 'reply'; reply: Reply } | { kind: 'event'; event: PageEvent } | { kind: 'partial' } | { kind: 'invalid'; reason: string };

/** One string from the page → a reply, an event, or why it was dropped. Chunks are joined first. */
export function readPageMessage(raw: unknown, chunks: Reassembler): Inbound {
  if (typeof raw !== 'string') return { kind: 'invalid', reason: `expected a string, got ${typeof raw}` };
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (typeof message !== 'object' || message === null) return { kind: 'invalid', reason: 'not an object' };
  const m = message as Partial<Reply & PageEvent & Chunk>;
  if (m.v !== PROTOCOL_VERSION) return { kind: 'invalid', reason: `protocol version ${JSON.stringify(m.v)}` };
  if ('chunk' in m && typeof m.id === 'string') {
    const outcome = chunks.add(m.id, m.chunk);
    if (outcome.status === 'complete') return readPageMessage(outcome.json, chunks);
    return outcome.status === 'partial' ? { kind: 'partial' } : { kind: 'invalid', reason: outcome.reason };
  }
  if (typeof m.event === 'string') return { kind: 'event', event: m as PageEvent };
  if (typeof m.id === 'string' && typeof m.ok === 'boolean') return { kind: 'reply', reply: m as Reply };
  return { kind: 'invalid', reason: 'neither a reply nor an event' };
}

export function isHello(event: PageEvent): event is PageEvent<'hello'> {
  const data = event.data as Partial<HelloData> | undefined;
  return event.event === 'hello' && typeof data?.instance === 'string' && data.protocol === PROTOCOL_VERSION;
}
