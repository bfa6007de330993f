import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { readFileSync } from 'node:fs';
import { browserOnly, cleanFolder, packageAssetUrls } from './scripts/rollup-package-assets.mjs';

const PACKAGE_VERSION = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version;

const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts', 'src/**/*.js'],
    compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: 'dist', allowJs: true, types: [] },
  });

/**
 * Chunks that hold only TensorFlow.js code are named tfjs-*, so anyone (and the network test) can
 * see from a file name which runtime it belongs to; rollup would name them after a module inside.
 */
function runtimeChunkName(chunk) {
  const tfjsOnly = chunk.moduleIds.length > 0 && chunk.moduleIds.every((id) => id.includes('/@tensorflow/') || id.includes('/src/runtimes/tfjs'));
  return tfjsOnly && !chunk.name.startsWith('tfjs') ? 'chunks/tfjs-[name]-[hash].js' : 'chunks/[name]-[hash].js';
}

export default [
  {
    // The library and its worker. The worker is an entry of its own, so that
    // `new URL('./worker.js', import.meta.url)` in index.js finds it after any bundler copies dist/.
    // Every runtime is bundled in (the package has no runtime dependencies). No source maps: the
    // output is readable unminified ESM, and maps of the bundled runtimes were 18 MB of the tarball.
    input: { index: 'src/index.ts', worker: 'src/worker/entry.ts' },
    // Lazy chunks import the core from index.js itself; 'strict' would move the core into a hashed chunk.
    preserveEntrySignatures: 'allow-extension',
    output: {
      dir: 'dist',
      format: 'es',
      sourcemap: false,
      entryFileNames: '[name].js',
      chunkFileNames: runtimeChunkName,
    },
    // commonjs: tfjs-backend-wasm's emscripten glue is CommonJS.
    plugins: [cleanFolder('dist/chunks'), browserOnly(), nodeResolve({ browser: true }), commonjs(), ts(), packageAssetUrls()],
    onwarn(warning, warn) {
      // onnxruntime-web's own bundle uses `eval`-free dynamic code paths rollup flags as unresolvable; they are not ours.
      if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.some((id) => id.includes('node_modules'))) return;
      // tfjs-layers' tslib helpers read a top-level `this`; undefined is what they expect in a module.
      if (warning.code === 'THIS_IS_UNDEFINED' && warning.id?.includes('node_modules')) return;
      warn(warning);
    },
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.json' })],
  },
  {
    // The demo is an app like any other: it imports the built bundle, never the sources.
    input: 'demo/app.ts',
    output: { file: 'dist/demo/app.js', format: 'es', sourcemap: true, paths: { modelship: '/dist/index.js' } },
    external: ['modelship'],
    plugins: [
      // workbox-window (service worker registration) is bundled into the demo.
      nodeResolve({ browser: true }),
      typescript({
        tsconfig: './tsconfig.json',
        include: ['demo/**/*.ts', 'src/**/*.ts'],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: true, outDir: 'dist/demo', types: [] },
      }),
    ],
  },
  {
    // The benchmark's baseline worker, built from the same onnxruntime-web as ours.
    input: 'bench/minimal-worker.ts',
    output: { file: 'dist/bench/minimal-worker.js', format: 'es' },
    plugins: [
      nodeResolve({ browser: true }),
      typescript({
        tsconfig: './tsconfig.json',
        include: ['bench/minimal-worker.ts'],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: 'dist/bench', types: [] },
      }),
    ],
  },
  {
    // The same baseline over shared memory (bench/transport.ts: what the message hop costs).
    input: 'bench/minimal-shared-worker.ts',
    output: { file: 'dist/bench/minimal-shared-worker.js', format: 'es' },
    plugins: [
      nodeResolve({ browser: true }),
      typescript({
        tsconfig: './tsconfig.json',
        include: ['bench/minimal-shared-worker.ts'],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: 'dist/bench', types: [] },
      }),
    ],
  },
  // React Native: the host page (runs in the WebView over the built library) and the app side.
  {
    input: 'src/react-native/host/main.ts',
    output: {
      file: 'dist/react-native/host.js',
      format: 'es',
      sourcemap: true,
      paths: { modelship: '../index.js' },
      banner: `const __MODELSHIP_VERSION__ = ${JSON.stringify(PACKAGE_VERSION)};`,
    },
    external: ['modelship'],
    plugins: [
      typescript({
        tsconfig: './tsconfig.json',
        include: ['src/**/*.ts'],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: true, outDir: 'dist/react-native', types: [] },
      }),
    ],
  },
  {
    input: { 'react-native/index': 'src/react-native/index.ts', 'react-native/client': 'src/react-native/client/index.ts' },
    output: { dir: 'dist', format: 'es', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: 'react-native/[name]-[hash].js' },
    external: ['react', 'react-native', 'react-native-webview'],
    plugins: [
      typescript({
        tsconfig: './tsconfig.json',
        include: ['src/react-native/**/*.ts', 'src/errors.ts'],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: true, outDir: 'dist', types: [] },
      }),
    ],
  },
  {
    input: { 'react-native/index': 'src/react-native/index.ts', 'react-native/client': 'src/react-native/client/index.ts' },
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'react-native/[name]-[hash].d.ts' },
    external: ['react', 'react-native', 'react-native-webview'],
    plugins: [dts({ tsconfig: './tsconfig.json' })],
  },
  {
    // cli: the `modelship` command; index: `import { createServer } from '@modelship/server'`.
    // instance-worker: one model instance per worker thread (server/src/instances/spawn.ts finds it next to the bundle).
    input: {
      cli: 'server/src/cli.ts',
      index: 'server/src/index.ts',
      'grpc-client': 'server/src/grpc/client.ts',
      'instance-worker': 'server/src/instances/worker.ts',
    },
    // No source maps: they would point at server/src, which the package does not ship.
    output: { dir: 'server/dist', format: 'es', sourcemap: false, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
    plugins: [
      cleanFolder('server/dist'),
      typescript({
        tsconfig: './tsconfig.json',
        include: ['server/src/**/*.ts'],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: 'server/dist', types: [] },
      }),
    ],
  },
  {
    input: 'server/src/index.ts',
    output: { file: 'server/dist/index.d.ts', format: 'es' },
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    plugins: [dts({ tsconfig: './tsconfig.json' })],
  },
  {
    // Types of @modelship/server/grpc-client.
    input: 'server/src/grpc/client.ts',
    output: { file: 'server/dist/grpc-client.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.json' })],
  },
];
