import type { KeyValueStore } from './key-value-store.js';

export const PARTIAL_PREFIX = 'partial:';

/** Where a download that stopped midway left off; only ever read to resume, never as a model. */
export interface PartialDownload {
  url: string;
  /** The strong ETag of the response the bytes came from: the `If-Range` of the resumed request. */
  etag: string;
  bytes: Uint8Array;
}

/** What `downloadVerified` needs to resume across page loads; `PartialStore` implements it. */
export interface ResumeStore {
  load(sha256: string): Promise<PartialDownload | undefined>;
  append(sha256: string, from: { url: string; etag: string }, offset: number, chunk: Uint8Array): Promise<void>;
  clear(sha256: string): Promise<void>;
}

interface PartialHead {
  url: string;
  etag: string;
  /** Offsets of the chunk records, in order; chunk i ends where chunk i+1 starts. */
  offsets: number[];
  size: number;
}

const headKey = (sha256: string): string => `${PARTIAL_PREFIX}${sha256}`;
const chunkKey = (sha256: string, offset: number): string => `${PARTIAL_PREFIX}${sha256}@${offset}`;

/**
 * Partial downloads in `partial:` records, apart from the `version:`/`blob:` records the model cache
 * reads, so a half-downloaded file can never pass for a cached model. Each checkpoint appends one
 * chunk record plus the head in one transaction, so saving progress costs the new bytes only.
 */
export class PartialStore implements ResumeStore {
  constructor(private readonly store: KeyValueStore) {}

  async load(sha256: string): Promise<PartialDownload | undefined> {
    const head = await this.store.get<PartialHead>(headKey(sha256));
    if (!head || head.offsets.length === 0) return undefined;
    const chunks = await this.store.getMany<ArrayBuffer>(head.offsets.map((offset) => chunkKey(sha256, offset)));
    const bytes = new Uint8Array(head.size);
    let at = 0;
    for (const [index, chunk] of chunks.entries()) {
      // A missing or misplaced chunk makes the rest worthless: resume from what is contiguous.
      if (!(chunk instanceof ArrayBuffer) || head.offsets[index] !== at) break;
      bytes.set(new Uint8Array(chunk), at);
      at += chunk.byteLength;
    }
    if (at === 0) return undefined;
    return { url: head.url, etag: head.etag, bytes: bytes.subarray(0, at) };
  }

  async append(sha256: string, from: { url: string; etag: string }, offset: number, chunk: Uint8Array): Promise<void> {
    const previous = await this.store.get<PartialHead>(headKey(sha256));
    const continues = previous && previous.etag === from.etag && previous.url === from.url && previous.size === offset;
    if (!continues) await this.clear(sha256);
    if (!continues && offset !== 0) return; // a gap would make the record useless
    const head: PartialHead = {
      url: from.url,
      etag: from.etag,
      offsets: [...(continues ? previous.offsets : []), offset],
      size: offset + chunk.byteLength,
    };
    await this.store.putMany([
      // A copy: the memory store keeps references, and the downloader keeps writing into its buffer.
      [chunkKey(sha256, offset), chunk.slice().buffer],
      [headKey(sha256), head],
    ]);
  }

  async clear(sha256: string): Promise<void> {
    const prefix = headKey(sha256);
    const keys = (await this.store.keys()).filter((key) => key === prefix || key.startsWith(`${prefix}@`));
    if (keys.length > 0) await this.store.deleteMany(keys);
  }

  /** Drops every partial download; the cache calls it to make room when the quota is hit. */
  async clearAll(): Promise<number> {
    const keys = (await this.store.keys()).filter((key) => key.startsWith(PARTIAL_PREFIX));
    if (keys.length > 0) await this.store.deleteMany(keys);
    return keys.length;
  }
}
