// Builds the demo's service worker (dist/sw/sw.js, served at /sw.js by the reference server).
//
// generateSW rather than injectManifest: the worker only precaches the app shell, network-first
// caches two small model-card files, and answers SKIP_WAITING, all of which generateSW writes
// from configuration. injectManifest would mean a hand-written worker source and a second bundler
// pass over it for no behaviour we need.
//
// The server maps several folders onto one origin ('/' → demo/, '/dist/' → dist/, '/wasm/' → wasm/),
// so each folder gets its own getManifest pass with its URL prefix, and the entries are handed
// to generateSW together. Model files and manifests are never precached: the library keeps
// verified models in IndexedDB, and a cached manifest could pin users to an old version.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateSW, getManifest } from 'workbox-build';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_BYTES = 32 * 1024 * 1024; // onnxruntime's wasm is 14 MB; the default limit is 2 MB

/** The demo's shell: every file it needs to start offline. */
const DEMO_FILES = ['index.html', 'style.css', 'empty.html', 'manifest.webmanifest', 'icons/icon-192.png', 'icons/icon-512.png', 'react-native/index.html'];
/** The wasm of the one runtime the demo runs (onnx-wasm); the WebGPU and tfjs builds stay out. */
const WASM_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];
/** Chunks of runtimes the demo does not use: reachable by dynamic import, but not precached. */
const UNUSED_RUNTIME_CHUNK = /^chunks\/(tfjs-|onnx-webgpu-|litert-)/;

const IMPORT = /(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+\.js)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+\.js)["']\s*\)/g;

/**
 * The library files the demo can load: the entries and every chunk they import, statically or
 * dynamically, except unused runtimes' chunks. Following imports (rather than globbing chunks/)
 * also leaves out stale chunks of earlier builds, which rollup does not delete.
 */
export function libraryFiles(distDir, entries = ['index.js', 'worker.js', 'demo/app.js', 'react-native/host.js']) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || UNUSED_RUNTIME_CHUNK.test(file)) return;
    const path = join(distDir, file);
    if (!existsSync(path)) throw new Error(`build-sw: ${path} is missing; run the rollup build first`);
    seen.add(file);
    for (const match of readFileSync(path, 'utf8').matchAll(IMPORT)) {
      visit(posix.normalize(posix.join(posix.dirname(file), match[1] ?? match[2])));
    }
  };
  entries.forEach(visit);
  return [...seen].sort();
}

async function entriesFor(globDirectory, globPatterns, urlPrefix) {
  const { manifestEntries, warnings } = await getManifest({
    globDirectory,
    globPatterns,
    modifyURLPrefix: { '': urlPrefix },
    maximumFileSizeToCacheInBytes: MAX_BYTES,
  });
  if (warnings.length > 0) throw new Error(`build-sw: ${warnings.join('; ')}`);
  if (manifestEntries.length !== globPatterns.length) {
    throw new Error(`build-sw: expected ${globPatterns.length} files under ${globDirectory}, found ${manifestEntries.length}`);
  }
  return manifestEntries;
}

/** Writes `<swDest>` and returns what it precaches. Folders are parameters so tests can build from a copy. */
export async function buildServiceWorker({
  demoDir = join(ROOT, 'demo'),
  distDir = join(ROOT, 'dist'),
  wasmDir = join(ROOT, 'wasm'),
  swDest = join(ROOT, 'dist', 'sw', 'sw.js'),
} = {}) {
  const library = [
    ...(await entriesFor(distDir, libraryFiles(distDir), '/dist/')),
    ...(await entriesFor(wasmDir, WASM_FILES, '/wasm/')),
  ];
  // generateSW ignores additionalManifestEntries unless it globs a folder itself: it globs demo/.
  const { count, warnings } = await generateSW({
    swDest,
    globDirectory: demoDir,
    globPatterns: DEMO_FILES,
    modifyURLPrefix: { '': '/' },
    additionalManifestEntries: library,
    maximumFileSizeToCacheInBytes: MAX_BYTES,
    // One file: the server maps only /sw.js, so the workbox runtime must not be a second file.
    inlineWorkboxRuntime: true,
    mode: 'production',
    sourcemap: false,
    // The first visit is controlled at once (so it works offline next time without a reload);
    // later versions wait until the user accepts the "update ready" prompt (SKIP_WAITING).
    clientsClaim: true,
    skipWaiting: false,
    cleanupOutdatedCaches: true,
    directoryIndex: 'index.html',
    runtimeCaching: [
      {
        // The model card's numbers for the demo's panels: fresh when online, last copy offline.
        urlPattern: ({ url }) => /^\/models\/[^/]+\/(expectations|misclassified)\.json$/.test(url.pathname),
        handler: 'NetworkFirst',
        options: { cacheName: 'modelship-model-card', networkTimeoutSeconds: 3 },
      },
    ],
  });
  if (warnings.length > 0) throw new Error(`build-sw: ${warnings.join('; ')}`);
  if (count !== DEMO_FILES.length + library.length) throw new Error(`build-sw: expected the ${DEMO_FILES.length} shell files in ${demoDir}`);
  return { swDest, urls: [...DEMO_FILES.map((file) => `/${file}`), ...library.map((entry) => entry.url)] };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { swDest, urls } = await buildServiceWorker();
  console.log(`service worker: ${relative(ROOT, swDest)} precaches ${urls.length} files`);
}
