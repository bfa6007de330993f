import type { Chunk } from '../protocol.js';
import { MAX_OPEN_CHUNKED, PROTOCOL_VERSION } from './limits.js';

/** `json` as one bridge string, or as chunk messages of at most `chunkChars` characters of payload each. */
export function splitMessage(json: string, id: string, chunkChars: number, token?: string): string[] {
  if (json.length <= chunkChars) return [json];
  const slices = sliceEscaped(json, chunkChars);
  return slices.map((data, seq) => {
    const chunk: Chunk = { v: PROTOCOL_VERSION, id, chunk: { seq, count: slices.length, data } };
    if (token !== undefined) chunk.token = token;
    return JSON.stringify(chunk);
  });
}

/**
 * Slices whose JSON-escaped form (quotes and backslashes double) fits in `chunkChars`, so a chunk
 * message is its envelope plus at most `chunkChars`. A slice never ends between the two halves of
 * a surrogate pair: a lone surrogate may not survive the native bridge's UTF-8 conversion.
 */
function sliceEscaped(json: string, chunkChars: number): string[] {
  const slices: string[] = [];
  for (let start = 0; start < json.length; ) {
    let end = Math.min(json.length, start + chunkChars);
    while (escapedLength(json, start, end) > chunkChars) end = start + Math.floor((end - start) * 0.9);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    slices.push(json.slice(start, end));
    start = end;
  }
  return slices;
}

/** Length of json[start, end) inside a JSON string: `"` and `\` gain a backslash (the text is JSON.stringify output, so it has no raw control characters). */
function escapedLength(json: string, start: number, end: number): number {
  let length = end - start;
  for (let i = start; i < end; i++) {
    const c = json.charCodeAt(i);
    if (c === 34 || c === 92) length++;
  }
  return length;
}

export type ChunkOutcome = { status: 'partial' } | { status: 'complete'; json: string } | { status: 'invalid'; reason: string };

/**
 * Joins chunk messages back into one. Bounded: a message may not exceed `maxMessageChars`, at most
 * MAX_OPEN_CHUNKED messages are open at once (the oldest is dropped), and a slice that contradicts
 * earlier ones (count, seq, duplicate) invalidates its message.
 */
export class Reassembler {
  private readonly open = new Map<string, { count: number; parts: (string | undefined)[]; received: number; chars: number }>();

  constructor(
    private readonly chunkChars: number,
    private readonly maxMessageChars: number,
  ) {}

  add(id: string, chunk: unknown): ChunkOutcome {
    const slice = chunk as Partial<Chunk['chunk']> | null;
    if (typeof slice !== 'object' || slice === null) return this.fail(id, 'chunk is not an object');
    const { seq, count, data } = slice;
    if (!Number.isInteger(count) || (count as number) < 2) return this.fail(id, 'chunk.count must be an integer ≥ 2');
    if (!Number.isInteger(seq) || (seq as number) < 0 || (seq as number) >= (count as number)) return this.fail(id, 'chunk.seq out of range');
    if (typeof data !== 'string' || data.length > this.chunkChars) return this.fail(id, `chunk.data must be a string of at most ${this.chunkChars} characters`);
    if ((count as number) * this.chunkChars > this.maxMessageChars + this.chunkChars) {
      return this.fail(id, `a message of ${count} chunks exceeds the ${this.maxMessageChars}-character limit`);
    }
    let entry = this.open.get(id);
    if (!entry) {
      if (this.open.size >= MAX_OPEN_CHUNKED) this.open.delete(this.open.keys().next().value as string);
      entry = { count: count as number, parts: new Array<string | undefined>(count as number), received: 0, chars: 0 };
      this.open.set(id, entry);
    }
    if (entry.count !== count) return this.fail(id, 'chunk.count differs from earlier chunks');
    if (entry.parts[seq as number] !== undefined) return this.fail(id, `chunk ${seq} arrived twice`);
    entry.parts[seq as number] = data;
    entry.received += 1;
    entry.chars += data.length;
    if (entry.chars > this.maxMessageChars) return this.fail(id, `message exceeds the ${this.maxMessageChars}-character limit`);
    if (entry.received < entry.count) return { status: 'partial' };
    this.open.delete(id);
    return { status: 'complete', json: entry.parts.join('') };
  }

  /** Forget everything (the other side restarted). */
  clear(): void {
    this.open.clear();
  }

  private fail(id: string, reason: string): ChunkOutcome {
    this.open.delete(id);
    return { status: 'invalid', reason };
  }
}
