import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

/** The page must parse this much before `loadModel` can run: the core's budget, min+gzip. */
export const CORE_TARGET_BYTES = 15 * 1024;

export interface ChunkSize {
  file: string;
  minBytes: number;
  gzipBytes: number;
  initial: boolean;
}

export interface CoreSize {
  initial: { minBytes: number; gzipBytes: number };
  chunks: ChunkSize[];
  target: number;
}

/**
 * Bundles an app whose only line imports `loadModel` from the built `dist/index.js`, as an app's
 * bundler would (esbuild, minified, ESM, code splitting on), and measures what loads up front: the
 * entry and every chunk it imports statically. Dynamic imports (runtimes, remote client, updater,
 * schema validator) are chunks of their own and counted apart. Each file is gzipped on its own, as
 * a server sends it.
 */
export async function measureCoreSize(distIndex = resolve('dist/index.js')): Promise<CoreSize> {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-size-'));
  try {
    const entry = join(dir, 'app.js');
    writeFileSync(entry, `import { loadModel } from ${JSON.stringify(distIndex)};\nglobalThis.loadModel = loadModel;\n`);
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'esm',
      splitting: true,
      outdir: join(dir, 'out'),
      metafile: true,
      write: true,
      logLevel: 'silent',
      // Only the lazily imported TensorFlow.js chunks reach these Node built-ins; the core never does.
      external: ['util', 'node-fetch', 'fs', 'path', 'crypto', 'worker_threads', 'perf_hooks', 'os'],
    });
    return sizesFrom(result.metafile, join(dir, 'out', 'app.js'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sizesFrom(metafile: Metafile, entryOut: string): CoreSize {
  const outputs = metafile.outputs;
  const key = (absolute: string): string => Object.keys(outputs).find((name) => resolve(name) === absolute) ?? absolute;
  const initial = new Set<string>();
  const visit = (name: string): void => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const imported of outputs[name]?.imports ?? []) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(key(entryOut));
  const chunks = Object.keys(outputs)
    .filter((name) => name.endsWith('.js'))
    .map((name) => {
      const bytes = readFileSync(resolve(name));
      return { file: name.split('/').pop()!, minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, initial: initial.has(name) };
    })
    .sort((a, b) => Number(b.initial) - Number(a.initial) || b.minBytes - a.minBytes);
  const sum = (list: ChunkSize[], field: 'minBytes' | 'gzipBytes'): number => list.reduce((total, chunk) => total + chunk[field], 0);
  const up = chunks.filter((chunk) => chunk.initial);
  return { initial: { minBytes: sum(up, 'minBytes'), gzipBytes: sum(up, 'gzipBytes') }, chunks, target: CORE_TARGET_BYTES };
}
