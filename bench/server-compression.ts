/**
 * Static compression, measured (part of `npm run bench:server`): the bytes the server sends for
 * onnxruntime-web's wasm (and its JS) with Accept-Encoding br, gzip and none, and how long the
 * first compression takes (made once in the background, then cached).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PACKAGE_ROOT } from '../server/src/index.js';
import { startServer, stopChild } from './server-load.js';

export interface CompressionRow {
  file: string;
  identityBytes: number;
  gzipBytes: number;
  brotliBytes: number;
  brotliRatio: number;
  firstCompressionS: number;
}

function sizeOf(url: string, path: string, encoding: string): Promise<{ bytes: number; encoding: string | undefined }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path, headers: { 'Accept-Encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] }));
    })
      .on('error', reject)
      .end();
  });
}

async function untilEncoded(url: string, path: string, encoding: string, timeoutMs = 600_000): Promise<number> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const r = await sizeOf(url, path, encoding);
    if (r.encoding === encoding) return r.bytes;
    await new Promise((res) => setTimeout(res, 250));
  }
  return NaN;
}

export async function measureCompression(files = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']): Promise<CompressionRow[]> {
  const cache = mkdtempSync(join(tmpdir(), 'modelship-bench-compression-'));
  const empty = mkdtempSync(join(tmpdir(), 'modelship-bench-empty-'));
  const ortDist = join(PACKAGE_ROOT, 'node_modules', 'onnxruntime-web', 'dist');
  const { url, child } = await startServer({
    static: { demo: empty, dist: empty, models: empty, serviceWorker: empty, wasm: ortDist },
    compression: { cacheDir: cache },
  });
  const rows: CompressionRow[] = [];
  try {
    for (const file of files) {
      const path = `/wasm/${file}`;
      const identityBytes = (await sizeOf(url, path, 'identity')).bytes;
      const t = performance.now();
      const [gzipBytes, brotliBytes] = await Promise.all([untilEncoded(url, path, 'gzip'), untilEncoded(url, path, 'br')]);
      rows.push({
        file,
        identityBytes,
        gzipBytes,
        brotliBytes,
        brotliRatio: Math.round((brotliBytes / identityBytes) * 1000) / 1000,
        firstCompressionS: Math.round((performance.now() - t) / 100) / 10,
      });
      console.error(`${file}: ${identityBytes} B, gzip ${gzipBytes} B, brotli ${brotliBytes} B`);
    }
  } finally {
    await stopChild(child);
    rmSync(cache, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
  return rows;
}
