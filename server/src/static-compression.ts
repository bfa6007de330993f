import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

/** Served compressed when the client accepts it: code, wasm, JSON and model files. */
const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.json', '.map', '.webmanifest', '.onnx', '.bin', '.tflite', '.css', '.html', '.svg', '.txt', '.md']);

export function isCompressible(file: string): boolean {
  return COMPRESSIBLE.has(extname(file).toLowerCase());
}

/** Sibling file names a build step may write (`x.wasm.br`, `x.wasm.gz`). */
const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

/**
 * The encodings a client accepts, best first (RFC 9110 §12.5.3): q-values decide, brotli before
 * gzip at equal q, `*` stands for both, `q=0` refuses.
 */
export function negotiate(header: string | string[] | undefined): Encoding[] {
  if (header === undefined) return [];
  const q = new Map<string, number>();
  for (const part of String(header).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qp ? Number(qp.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const of = (enc: Encoding): number => q.get(enc) ?? q.get('*') ?? 0;
  return (['br', 'gzip'] as const).filter((e) => of(e) > 0).sort((a, b) => of(b) - of(a));
}

/**
 * Brotli's best quality (11) costs minutes for onnxruntime's 14 MB wasm on a busy 2-core machine
 * (328 s, 2.36 MB) while quality 9 takes 16 s for 2.69 MB (gzip -9: 3.69 MB): made on demand,
 * large files use 9. A build step that writes `.br` siblings can afford 11.
 */
export function brotliQuality(bytes: number): number {
  return bytes <= 2 * 1024 * 1024 ? 11 : 9;
}

export interface Variant {
  path: string;
  size: number;
}

/**
 * Compressed representations of static files. A precompressed sibling written at build
 * (`file.br`, `file.gz`, at least as new as the file) is used as is; otherwise the first request
 * starts compressing in the background (zlib runs on libuv's thread pool, off the event loop)
 * into a cache folder keyed by the file's content hash, and is answered uncompressed meanwhile.
 * A variant that is not smaller than the file is never served.
 */
export class CompressedVariants {
  private readonly ready = new Map<string, Variant | 'useless'>();
  private readonly jobs = new Map<string, Promise<void>>();

  constructor(private readonly cacheDir: string) {}

  /** The variant to send now, or undefined (then one is being made, or it would not help). */
  async get(file: string, size: number, mtimeMs: number, contentHash: string, enc: Encoding): Promise<Variant | undefined> {
    const sibling = `${file}${SUFFIX[enc]}`;
    const pre = await stat(sibling).catch(() => undefined);
    if (pre?.isFile() && pre.mtimeMs >= mtimeMs) return pre.size < size ? { path: sibling, size: pre.size } : undefined;
    const key = `${contentHash}${SUFFIX[enc]}`;
    const known = this.ready.get(key);
    if (known) return known === 'useless' ? undefined : known;
    const cached = join(this.cacheDir, key);
    const onDisk = await stat(cached).catch(() => undefined);
    if (onDisk?.isFile()) return this.remember(key, { path: cached, size: onDisk.size }, size);
    if (!this.jobs.has(key)) {
      const job = this.compress(file, cached, enc)
        .then(async () => this.remember(key, { path: cached, size: (await stat(cached)).size }, size))
        .catch(() => undefined)
        .finally(() => this.jobs.delete(key));
      this.jobs.set(key, job.then(() => undefined));
    }
    return undefined;
  }

  /** Resolves when every compression started so far has finished (tests, warm-up). */
  async settled(): Promise<void> {
    await Promise.all([...this.jobs.values()]);
  }

  private remember(key: string, v: Variant, originalSize: number): Variant | undefined {
    const useful = v.size < originalSize;
    this.ready.set(key, useful ? v : 'useless');
    return useful ? v : undefined;
  }

  private async compress(file: string, target: string, enc: Encoding): Promise<void> {
    await mkdir(this.cacheDir, { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    const size = (await stat(file)).size;
    const encoder = enc === 'br'
      ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: brotliQuality(size), [constants.BROTLI_PARAM_SIZE_HINT]: size } })
      : createGzip({ level: 9 });
    try {
      await pipeline(createReadStream(file), encoder, createWriteStream(partial));
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }
}
