// Copies the runtimes' WebAssembly files from the installed packages into wasm/ (served by the app
// itself: offline, no CDN) and writes wasm/inventory.json with package, version, bytes and sha256.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'wasm');
mkdirSync(out, { recursive: true });

// Each runtime loads only its own files: onnx-wasm the plain build, onnx-webgpu the asyncify build
// (the native WebGPU EP; never the JSEP build), tfjs-wasm one of its three builds chosen at run time
// (threaded only when cross-origin isolated, plain only without SIMD).
const sources = [
  { pkg: 'onnxruntime-web', runtime: 'onnx-wasm', files: ['dist/ort-wasm-simd-threaded.wasm', 'dist/ort-wasm-simd-threaded.mjs'] },
  {
    pkg: 'onnxruntime-web',
    runtime: 'onnx-webgpu',
    files: ['dist/ort-wasm-simd-threaded.asyncify.wasm', 'dist/ort-wasm-simd-threaded.asyncify.mjs'],
  },
  {
    pkg: '@tensorflow/tfjs-backend-wasm',
    runtime: 'tfjs-wasm',
    files: ['dist/tfjs-backend-wasm.wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm'],
  },
  // LiteRT.js picks its relaxed-SIMD build where the browser has it and the compat build elsewhere
  // (src/runtimes/litert.ts); the threaded and JSPI builds are not used.
  {
    pkg: '@litertjs/core',
    runtime: 'litert-wasm',
    files: ['wasm/litert_wasm_internal.js', 'wasm/litert_wasm_internal.wasm', 'wasm/litert_wasm_compat_internal.js', 'wasm/litert_wasm_compat_internal.wasm'],
  },
];

const inventory = [];
for (const { pkg, runtime, files } of sources) {
  // Some packages do not export ./package.json, so locate them on disk as npm lays them out.
  const pkgDir = join(root, 'node_modules', pkg);
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const file of files) {
    const from = join(pkgDir, file);
    const to = join(out, basename(file));
    copyFileSync(from, to);
    const bytes = readFileSync(to);
    inventory.push({ package: pkg, version, runtime, file: basename(file), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
}
writeFileSync(join(out, 'inventory.json'), `${JSON.stringify({ generatedBy: 'scripts/copy-wasm.mjs', files: inventory }, null, 2)}\n`);
console.log(`wasm/: ${inventory.length} files, ${inventory.reduce((s, f) => s + f.bytes, 0)} bytes`);
