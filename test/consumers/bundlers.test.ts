// Fresh apps that `import { loadModel } from 'modelship'`, installed from the packed tarball in clean
// folders, built with each bundler exactly as the README says, and run in Chromium: the label must be
// right, on onnx-wasm, with no warning, no fallback and no failed request.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '@playwright/test';
import { createApp, installedVersion, launch, pack, PORT_BASE, readApp, serveStatic, sh, startProcess, tempDir, type PageResult } from './harness.js';

let tarball: string;
let browser: Browser;

before(async () => {
  tarball = pack('library', tempDir('tarball'));
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

function assertPredicted({ result, failed }: PageResult): void {
  assert.equal(result.error, undefined, `the app failed: ${result.error}`);
  assert.equal(String(result.label), String(result.expected));
  assert.equal(result.runtime, 'onnx-wasm');
  assert.equal(result.route, 'local');
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.fallbacks, []);
  assert.deepEqual(failed, []);
}

/** The page for bundlers that emit only JavaScript: it loads dist/main.js. */
const html = (script: string, head = ''): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8">${head}</head><body><pre id="out">loading</pre>${script}</body></html>`;

describe('Vite', { concurrency: false }, () => {
  let app: string;
  before(() => {
    app = createApp('vite', { modelship: `file:${tarball}`, vite: installedVersion('vite') });
  });

  it('vite build: zero configuration, the worker and the wasm are emitted by Vite', async () => {
    sh('npx vite build', app);
    // Vite copied public/ (the model) into dist/.
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'dist', 'models') });
    try {
      const page = await readApp(browser, `${site.url}/`);
      assertPredicted(page);
      assert.ok(
        page.requests.some((url) => /\/assets\/ort-wasm-simd-threaded-[\w-]+\.wasm$/.test(url)),
        'the wasm Vite emitted was fetched',
      );
    } finally {
      await site.close();
    }
  });

  it('a wasm file missing from the deployment is a warning naming its URL and the fix, never a silent slowdown', async () => {
    const assets = join(app, 'dist', 'assets');
    for (const file of readdirSync(assets).filter((name) => /^ort-wasm-simd-threaded-[\w-]+\.wasm$/.test(name))) rmSync(join(assets, file));
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'dist', 'models') });
    try {
      const { result } = await readApp(browser, `${site.url}/`);
      assert.equal(result.error, undefined, `the app failed: ${result.error}`);
      assert.equal(String(result.label), String(result.expected));
      assert.notEqual(result.runtime, 'onnx-wasm');
      const missing = /^ASSET_MISSING: onnx-wasm needs http:\/\/127\.0\.0\.1:\d+\/assets\/ort-wasm-simd-threaded-[\w-]+\.wasm, which answered HTTP 404\. Fix: /;
      assert.ok(result.warnings!.length > 0 && result.warnings!.every((line) => missing.test(line)), result.warnings!.join('\n'));
      assert.ok(
        result.fallbacks!.some((line) => line.includes('ort-wasm-simd-threaded')),
        result.fallbacks!.join('\n'),
      );
    } finally {
      await site.close();
    }
  });

  it('vite (dev server): zero configuration', async () => {
    const port = PORT_BASE;
    const dev = await startProcess(`npx vite --port ${port} --strictPort --host 127.0.0.1`, app, `http://127.0.0.1:${port}/`);
    try {
      assertPredicted(await readApp(browser, `http://127.0.0.1:${port}/`));
    } finally {
      await dev.stop();
    }
  });
});

describe('webpack 5', () => {
  it('npx webpack --mode production: no config file at all', async () => {
    const app = createApp('webpack', { modelship: `file:${tarball}`, webpack: installedVersion('webpack'), 'webpack-cli': installedVersion('webpack-cli') });
    sh('npx webpack --mode production', app);
    writeFileSync(join(app, 'dist', 'index.html'), html('<script src="main.js"></script>'));
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'public', 'models') });
    try {
      assertPredicted(await readApp(browser, `${site.url}/`));
    } finally {
      await site.close();
    }
  });
});

// esbuild and rollup emit neither `new URL` assets nor worker entries: the recipe keeps modelship
// external and serves its files as published, mapped with an import map (esbuild) or output.paths (rollup).
const IMPORT_MAP = '<script type="importmap">{"imports":{"modelship":"./modelship/dist/index.js"}}</script>';
const COPY_PACKAGE = 'mkdir -p dist/modelship && cp -r node_modules/modelship/dist node_modules/modelship/wasm dist/modelship/';

describe('esbuild (README recipe)', () => {
  it('bundles the app, keeps modelship external, serves the package as published', async () => {
    const app = createApp('esbuild', { modelship: `file:${tarball}`, esbuild: installedVersion('esbuild') });
    sh('npx esbuild src/index.js --bundle --format=esm --external:modelship --outfile=dist/main.js', app);
    sh(COPY_PACKAGE, app);
    writeFileSync(join(app, 'dist', 'index.html'), html('<script type="module" src="./main.js"></script>', IMPORT_MAP));
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'public', 'models') });
    try {
      assertPredicted(await readApp(browser, `${site.url}/`));
    } finally {
      await site.close();
    }
  });
});

describe('esbuild without the recipe', () => {
  it('bundling modelship in leaves its worker behind: the error names the worker URL and the fix', async () => {
    const app = createApp('esbuild-wrong', { modelship: `file:${tarball}`, esbuild: installedVersion('esbuild') });
    sh('npx esbuild src/index.js --bundle --format=esm --outfile=dist/main.js', app);
    writeFileSync(join(app, 'dist', 'index.html'), html('<script type="module" src="./main.js"></script>'));
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'public', 'models') });
    try {
      const { result } = await readApp(browser, `${site.url}/`);
      const missing = /modelship's worker script http:\/\/127\.0\.0\.1:\d+\/worker\.js could not be loaded \(HTTP 404\)\. Fix: /;
      assert.match(result.error ?? '', /BACKEND_UNAVAILABLE/);
      assert.match(result.error ?? '', missing);
    } finally {
      await site.close();
    }
  });
});

describe('rollup (README recipe)', () => {
  it('bundles the app, keeps modelship external via output.paths, serves the package as published', async () => {
    const app = createApp('rollup', { modelship: `file:${tarball}`, rollup: installedVersion('rollup') });
    writeFileSync(
      join(app, 'rollup.config.mjs'),
      `export default {\n  input: 'src/index.js',\n  external: ['modelship'],\n  output: { dir: 'dist', format: 'es', paths: { modelship: './modelship/dist/index.js' } },\n};\n`,
    );
    sh('npx rollup -c', app);
    sh(COPY_PACKAGE, app);
    writeFileSync(join(app, 'dist', 'index.html'), html('<script type="module" src="./index.js"></script>'));
    const site = await serveStatic({ demo: join(app, 'dist'), models: join(app, 'public', 'models') });
    try {
      assertPredicted(await readApp(browser, `${site.url}/`));
    } finally {
      await site.close();
    }
  });
});

describe('types', () => {
  it('a TypeScript consumer compiles under strict, library checks included', () => {
    const app = createApp('types', { modelship: `file:${tarball}`, typescript: installedVersion('typescript') }, false);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022', 'dom'],
          types: [],
        },
        include: ['src/app.ts'],
      }),
    );
    writeFileSync(
      join(app, 'src', 'app.ts'),
      [
        "import { loadModel, isModelshipError, ModelshipError, createMemoryStore, requestPersistence, storageEstimate } from 'modelship';",
        "import type { Model, LoadOptions, Prediction, RuntimeName, Manifest, KeyValueStore, StorageInfo } from 'modelship';",
        "const options: LoadOptions = { cache: createMemoryStore(), backends: ['onnx-wasm'] satisfies RuntimeName[] };",
        'export async function run(): Promise<Prediction | string> {',
        '  try {',
        "    const model: Model = await loadModel('/models/mnist/manifest.json', options);",
        '    return await model.predict(new Float32Array(784));',
        '  } catch (error) {',
        "    if (isModelshipError(error, 'NETWORK')) return error.code;",
        "    throw error instanceof ModelshipError ? error : new ModelshipError('BACKEND_UNAVAILABLE', String(error));",
        '  }',
        '}',
        'export const info: Promise<[boolean, StorageInfo]> = Promise.all([requestPersistence(), storageEstimate()]);',
        'export type Unused = [Manifest, KeyValueStore];',
      ].join('\n'),
    );
    sh('npx tsc -p tsconfig.json', app);
  });
});
