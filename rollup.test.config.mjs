// Test-only bundles (never shipped), written to dist-test/ and served as /dist/ by the
// browser tests' fixture server. Built by the tests that need them (test/browser/jsep.spec.ts).
import nodeResolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

export default {
  input: { 'jsep-proof': 'test/browser/fixtures/jsep-proof.ts' },
  output: { dir: 'dist-test', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
  // Resolves `onnxruntime-web` to its default browser bundle: the JSEP build.
  plugins: [
    nodeResolve({ browser: true }),
    typescript({
      tsconfig: './tsconfig.json',
      include: ['test/browser/fixtures/jsep-proof.ts', 'src/**/*.ts'],
      compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: 'dist-test', types: [] },
    }),
  ],
  onwarn(warning, warn) {
    if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.some((id) => id.includes('node_modules'))) return;
    warn(warning);
  },
};
