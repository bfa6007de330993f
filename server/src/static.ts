import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HttpError } from './errors.js';
import { isCompressible, negotiate, type CompressedVariants } from './static-compression.js';

/**
 * Static files with strong content ETags, conditional GET, single-range requests and
 * If-Range. Hand-written rather than `send`/`serve-static`: those derive a weak ETag from
 * size+mtime, and a weak validator can neither satisfy If-Range (RFC 9110 §13.1.5 needs a
 * strong match) nor let a client resume a model download safely across redeploys.
 */

export interface StaticMount {
  /** URL prefix ending in '/', e.g. '/models/'. */
  prefix: string;
  root: string;
  /** Cache-Control for a file, given its path relative to the mount ('/'-separated). */
  cacheControl: (relPath: string) => string;
  /** When set, the mount serves only these paths under the prefix (e.g. '/sw.js'); others go to the next mount. */
  only?: string[];
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

interface Validator {
  size: number;
  mtimeMs: number;
  etag: string;
}

export class StaticFiles {
  private readonly etags = new Map<string, Validator>();

  /** `variants`: compressed representations (brotli, gzip) by content negotiation; undefined serves files as they are. */
  constructor(private readonly mounts: StaticMount[], readonly variants?: CompressedVariants) {
    // Longest prefix first so '/models/' wins over '/'; a single-file mapping wins over its prefix.
    this.mounts = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length || Number(!!b.only) - Number(!!a.only));
  }

  match(pathname: string): StaticMount | undefined {
    return this.mounts.find((m) =>
      m.only ? m.only.some((rel) => pathname === m.prefix + rel) : pathname.startsWith(m.prefix) || pathname === m.prefix.slice(0, -1),
    );
  }

  async serve(req: IncomingMessage, res: ServerResponse, mount: StaticMount, rawPath: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, { headers: { Allow: 'GET, HEAD, OPTIONS' } });
    }
    if (rawPath === mount.prefix.slice(0, -1)) return redirect(res, `${rawPath}/`);
    const segments = safeSegments(rawPath.slice(mount.prefix.length));
    let file = join(mount.root, ...segments);
    const rel = relative(mount.root, file);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new HttpError('FORBIDDEN', 'path escapes the static root');
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      if (!rawPath.endsWith('/')) return redirect(res, `${rawPath}/`);
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) throw new HttpError('NOT_FOUND', 'not found');
    // A symlink inside the root must not lead outside it.
    const [realFile, realRoot] = await Promise.all([realpath(file), realpath(mount.root)]);
    if (!realFile.startsWith(realRoot + sep)) throw new HttpError('FORBIDDEN', 'path escapes the static root');

    const identityEtag = await this.etag(file, info.size, info.mtimeMs);
    const relPath = relative(mount.root, file).split(sep).join('/');
    // The representation to send: the file, or a compressed variant the client accepts. A Range
    // request always gets the file itself, so byte offsets mean the same thing across requests.
    let source = { path: file, size: info.size, etag: identityEtag };
    const compressible = this.variants !== undefined && isCompressible(file);
    if (compressible) {
      const vary = res.getHeader('Vary');
      res.setHeader('Vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
    }
    if (compressible && req.headers.range === undefined) {
      for (const enc of negotiate(req.headers['accept-encoding'])) {
        const v = await this.variants!.get(file, info.size, info.mtimeMs, identityEtag.slice(1, -1), enc);
        if (!v) continue;
        // Each representation has its own strong ETag (RFC 9110 §8.8.3).
        source = { path: v.path, size: v.size, etag: `"${identityEtag.slice(1, -1)}.${enc}"` };
        res.setHeader('Content-Encoding', enc);
        break;
      }
    }
    const etag = source.etag;
    const headers: Record<string, string> = {
      'Content-Type': contentType(file),
      ETag: etag,
      'Last-Modified': info.mtime.toUTCString(),
      'Cache-Control': mount.cacheControl(relPath),
      'Accept-Ranges': 'bytes',
    };
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);

    if (noneMatch(req.headers['if-none-match'], etag)) {
      res.removeHeader('Content-Type');
      res.writeHead(304);
      res.end();
      return;
    }
    const size = source.size;
    const range = selectRange(req, etag, size, compressible ? identityEtag : undefined);
    if (range === 'unsatisfiable') {
      throw new HttpError('RANGE_NOT_SATISFIABLE', 'range not satisfiable', { headers: { 'Content-Range': `bytes */${size}` } });
    }
    const [start, end] = range ?? [0, size - 1];
    const length = size === 0 ? 0 : end - start + 1;
    res.setHeader('Content-Length', String(length));
    if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    res.writeHead(range ? 206 : 200);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    await pipeline(createReadStream(source.path, { start, end }), res);
  }

  /** Strong ETag from the SHA-256 of the content, cached per (path, size, mtime). */
  private async etag(file: string, size: number, mtimeMs: number): Promise<string> {
    const cached = this.etags.get(file);
    if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return cached.etag;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const etag = `"${hash.digest('base64url')}"`;
    this.etags.set(file, { size, mtimeMs, etag });
    return etag;
  }
}

/**
 * Decodes each path segment on its own, so an encoded '/' or '..' cannot change the
 * structure of the path; '.', '..', NUL, backslashes and dotfiles are refused outright.
 */
function safeSegments(rel: string): string[] {
  const out: string[] = [];
  for (const raw of rel.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new HttpError('BAD_REQUEST', 'malformed percent-encoding in path');
    }
    if (seg === '') continue;
    if (seg === '.' || seg === '..' || /[/\\\0]/.test(seg) || isAbsolute(seg)) {
      throw new HttpError('FORBIDDEN', 'path traversal is not allowed');
    }
    if (seg.startsWith('.')) throw new HttpError('NOT_FOUND', 'not found');
    out.push(seg);
  }
  return out;
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { Location: location, 'Content-Length': '0' });
  res.end();
}

/**
 * A Range request is always served from the file itself. A client that downloaded a compressed
 * variant (ETag `"<hash>.br"`) and resumes it counts the bytes it decoded, which are offsets into
 * the file, so If-Range naming any variant of the same content matches (browsers decode
 * `Content-Encoding` transparently, and modelship's resumable download relies on it).
 */
function sameContent(ifRange: string, identityEtag: string | undefined): boolean {
  if (identityEtag === undefined) return false;
  const hash = identityEtag.slice(1, -1);
  return ifRange === `"${hash}.br"` || ifRange === `"${hash}.gzip"`;
}

const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => opaque(t) === etag);
}

/**
 * One `bytes=` range, or undefined to send the whole file: no Range header, an If-Range
 * that is not a strong match of the current ETag (dates included), several ranges, or a
 * header we cannot parse (RFC 9110 lets a server ignore those).
 */
function selectRange(req: IncomingMessage, etag: string, size: number, identityOfVariants?: string): [number, number] | 'unsatisfiable' | undefined {
  const header = req.headers.range;
  if (header === undefined) return undefined;
  const ifRange = req.headers['if-range'];
  if (ifRange !== undefined && String(ifRange).trim() !== etag && !sameContent(String(ifRange).trim(), identityOfVariants)) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}
