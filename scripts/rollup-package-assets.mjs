// Rollup plugins for the library build: the output must build in any app bundler without configuration.
import { existsSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

const EMPTY = '\0modelship-empty-module';

/**
 * TensorFlow.js ships Node code paths that a browser never runs but every bundler still reads:
 * tfjs-core's node platform (`require('util')`, `require('node-fetch')`: esbuild cannot resolve them)
 * and emscripten's `__filename`/`__dirname` in tfjs-backend-wasm's glue (webpack warns or fails on them).
 * The node platform only registers itself under Node, so an empty module is equivalent in a browser;
 * `void 0` is what the glue's own `typeof __filename` checks see in a browser.
 */
export function browserOnly() {
  return {
    name: 'modelship-browser-only',
    resolveId(source, importer) {
      if (source === './platforms/platform_node' && importer?.includes('/@tensorflow/tfjs-core/')) return EMPTY;
      return null;
    },
    load(id) {
      return id === EMPTY ? 'export {};' : null;
    },
    transform(code, id) {
      if (!id.includes('/@tensorflow/tfjs-backend-wasm/wasm-out/')) return null;
      return { code: code.replace(/\b__filename\b/g, '(void 0)').replace(/\b__dirname\b/g, '(void 0)'), map: null };
    },
  };
}

/** './x' form of the path from a chunk's folder to a file under the package root (dist/ is one level down). */
function fromChunk(chunkFileName, target) {
  const path = relative(dirname(posix.join('dist', chunkFileName)), target)
    .split('\\')
    .join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/**
 * Rewrites the `new URL('…', import.meta.url)` references the sources make to the path they have from
 * the chunk they end up in, so that the files exist where the app's bundler (Vite, webpack) looks:
 * - modelship's worker (src/worker/host.ts writes './worker.js');
 * - the runtimes' wasm (src/runtimes/*.ts write '../../wasm/…'; onnxruntime-web's bundled build writes
 *   its own `new URL("ort-wasm-simd-threaded[.asyncify].wasm", import.meta.url)` next to itself);
 * - onnxruntime-web's own script (`ort.wasm.bundle.min.mjs`), now this chunk.
 * The build fails when a reference is left pointing at nothing.
 */
export function packageAssetUrls() {
  return {
    name: 'modelship-package-asset-urls',
    renderChunk(code, chunk) {
      const next = code
        .replace(/(['"])\.\/worker\.js\1/g, (_, q) => `${q}${fromChunk(chunk.fileName, 'dist/worker.js')}${q}`)
        .replace(
          /new URL\((['"])(?:\.\.\/\.\.\/wasm\/([\w.-]+)|(ort-wasm[\w.-]*\.wasm))\1,\s*import\.meta\.url\)/g,
          (_, q, ours, ort) => `new URL(${q}${fromChunk(chunk.fileName, `wasm/${ours ?? ort}`)}${q}, import.meta.url)`,
        )
        // onnxruntime-web names its own file to start its pthread workers from; webpack resolves that
        // name (hidden behind `let n = URL`), and in this bundle the code lives in this chunk.
        .replace(
          /(\(\s*)(['"])ort\.(?:wasm|webgpu)\.bundle\.min\.mjs\2(\s*,\s*import\.meta\.url\s*\))/g,
          (_, open, q, close) => `${open}${q}./${posix.basename(chunk.fileName)}${q}${close}`,
        );
      return next === code ? null : { code: next, map: null };
    },
    generateBundle(_, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const [, , path] of chunk.code.matchAll(/new URL\((['"])(\.{1,2}\/[^'"]+)\1,\s*import\.meta\.url\)/g)) {
          const inDist = posix.normalize(posix.join(posix.dirname(chunk.fileName), path));
          if (!bundle[inDist] && !existsSync(join('dist', inDist)))
            this.error(`${chunk.fileName} refers to ${path}, which the package does not have (dist/${inDist})`);
        }
      }
    },
  };
}

/** Rollup never deletes old chunks; the package ships dist/chunks/*.js, so stale ones must go first. */
export function cleanFolder(folder) {
  return {
    name: 'modelship-clean-folder',
    async buildStart() {
      const { rm } = await import('node:fs/promises');
      await rm(folder, { recursive: true, force: true });
    },
  };
}
