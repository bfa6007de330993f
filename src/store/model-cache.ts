import { ModelshipError } from '../errors.js';
import type { ModelFile } from '../manifest/types.js';
import type { KeyValueStore } from './key-value-store.js';

export interface CachedVersion {
  name: string;
  version: string;
  variant: string;
  files: { path: string; sha256: string; bytes: number }[];
  bytes: number;
  committedAt: number;
  lastUsedAt: number;
}

export interface VerifiedFile {
  file: ModelFile;
  bytes: Uint8Array;
}

const BLOB_PREFIX = 'blob:';
const VERSION_PREFIX = 'version:';

export const versionKey = (name: string, version: string, variant: string): string =>
  `${VERSION_PREFIX}${name}@${version}#${variant}`;

/**
 * Content-addressed model files plus one record per model version. The record is written in the
 * same transaction as the files, so a version is visible only once every file is there.
 */
export class ModelCache {
  constructor(private readonly store: KeyValueStore) {}

  async read(name: string, version: string, variant: string, files: ModelFile[]): Promise<Uint8Array[] | undefined> {
    const record = await this.store.get<CachedVersion>(versionKey(name, version, variant));
    if (!record || !sameFiles(record, files)) return undefined;
    const blobs = await this.store.getMany<ArrayBuffer>(files.map((file) => BLOB_PREFIX + file.sha256));
    const out: Uint8Array[] = [];
    for (const [index, blob] of blobs.entries()) {
      if (!(blob instanceof ArrayBuffer) || blob.byteLength !== files[index]?.bytes) return undefined;
      out.push(new Uint8Array(blob));
    }
    await this.store.putMany([[versionKey(name, version, variant), { ...record, lastUsedAt: Date.now() }]]);
    return out;
  }

  async commit(name: string, version: string, variant: string, verified: VerifiedFile[]): Promise<void> {
    const now = Date.now();
    const record: CachedVersion = {
      name,
      version,
      variant,
      files: verified.map(({ file }) => ({ path: file.path, sha256: file.sha256, bytes: file.bytes })),
      bytes: verified.reduce((sum, { file }) => sum + file.bytes, 0),
      committedAt: now,
      lastUsedAt: now,
    };
    const entries: [string, unknown][] = verified.map(({ file, bytes }) => [BLOB_PREFIX + file.sha256, toOwnBuffer(bytes)]);
    entries.push([versionKey(name, version, variant), record]);
    try {
      await this.store.putMany(entries);
    } catch (cause) {
      if (isQuotaError(cause)) {
        throw new ModelshipError('QUOTA_EXCEEDED', `No room to cache ${name}@${version} (${record.bytes} bytes)`, { cause });
      }
      throw cause;
    }
  }

  async versions(): Promise<CachedVersion[]> {
    const keys = (await this.store.keys()).filter((key) => key.startsWith(VERSION_PREFIX));
    const records = await this.store.getMany<CachedVersion>(keys);
    return records.filter((record): record is CachedVersion => record !== undefined);
  }

  /** Removes a version and every blob no other version refers to. */
  async remove(name: string, version: string, variant: string): Promise<void> {
    const all = await this.versions();
    const key = versionKey(name, version, variant);
    const target = all.find((record) => versionKey(record.name, record.version, record.variant) === key);
    if (!target) return;
    const stillUsed = new Set(
      all.filter((record) => record !== target).flatMap((record) => record.files.map((file) => file.sha256)),
    );
    const orphans = target.files.filter((file) => !stillUsed.has(file.sha256)).map((file) => BLOB_PREFIX + file.sha256);
    await this.store.deleteMany([key, ...orphans]);
  }

  async usageBytes(): Promise<number> {
    const seen = new Map<string, number>();
    for (const record of await this.versions()) for (const file of record.files) seen.set(file.sha256, file.bytes);
    let total = 0;
    for (const bytes of seen.values()) total += bytes;
    return total;
  }
}

function sameFiles(record: CachedVersion, files: ModelFile[]): boolean {
  return (
    record.files.length === files.length &&
    record.files.every((file, index) => file.sha256 === files[index]?.sha256 && file.bytes === files[index]?.bytes)
  );
}

function toOwnBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

// Dexie notes that quota errors may arrive wrapped (an AbortError whose `inner`/`cause` is the quota error).
export function isQuotaError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const named = current as { name?: unknown; inner?: unknown; cause?: unknown };
    if (named.name === 'QuotaExceededError') return true;
    current = named.inner ?? named.cause;
  }
  return false;
}
