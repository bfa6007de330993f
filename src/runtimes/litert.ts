import { type CompiledModel, loadAndCompile, loadLiteRt, supportsFeature, Tensor } from '@litertjs/core';
import type { TensorMap } from '../engine.js';
import { missingAsset } from './assets.js';
import type { LoadedSession, RuntimeConfig, RuntimeName } from './types.js';

/** LiteRT.js's version (its package does not export one); test/node/litert-version.test.ts keeps it in step with the installed package. */
export const LITERT_VERSION = '2.5.3';

interface LiteRtGlobals {
  ModuleFactory?: unknown;
  Module?: { locateFile(file: string): string };
  importScripts?: unknown;
}

let loading: Promise<unknown> | undefined;

/**
 * LiteRT.js loads its emscripten glue with `importScripts` in a worker (or a <script> tag on a page),
 * and `importScripts` throws in a module worker, which is what modelship runs in. So the glue is
 * fetched from the app's wasm folder, imported as a module from a blob URL (the glue is a classic
 * script whose factory is exported by one appended line), and handed to LiteRT.js through the
 * globals its loader reads; `importScripts` is shadowed only while LiteRT.js loads. LiteRT.js keeps
 * one runtime per realm, so a worker loads it once.
 */
// Literal URLs beside import.meta.url: Vite and webpack emit the files with the app (see assets.ts).
const BUNDLED: Record<string, URL> = {
  'litert_wasm_internal.js': new URL('../../wasm/litert_wasm_internal.js', import.meta.url),
  'litert_wasm_internal.wasm': new URL('../../wasm/litert_wasm_internal.wasm', import.meta.url),
  'litert_wasm_compat_internal.js': new URL('../../wasm/litert_wasm_compat_internal.js', import.meta.url),
  'litert_wasm_compat_internal.wasm': new URL('../../wasm/litert_wasm_compat_internal.wasm', import.meta.url),
};

/** The app's `wasmPaths` folder when set, else the copy shipped with the package. */
function fileUrl(name: string, wasmPaths: string | undefined): string {
  const bundled = BUNDLED[name];
  return wasmPaths !== undefined || !bundled ? new URL(name, wasmPaths ?? String(import.meta.url)).href : bundled.href;
}

async function ensureLiteRt(runtime: RuntimeName, wasmPaths: string | undefined): Promise<void> {
  loading ??= (async () => {
    // Relaxed SIMD selects the faster build; the compat build runs everywhere else.
    const file = (await supportsFeature('relaxedSimd')) ? 'litert_wasm_internal' : 'litert_wasm_compat_internal';
    const glueUrl = fileUrl(`${file}.js`, wasmPaths);
    const response = await fetch(glueUrl);
    if (!response.ok) {
      const failure = new Error(`LiteRT.js glue ${glueUrl} answered HTTP ${response.status}`);
      throw (await missingAsset(runtime, glueUrl, failure)) ?? failure;
    }
    const source = `${await response.text()}\nexport default ModuleFactory;\n`;
    const blobUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const g = globalThis as unknown as LiteRtGlobals;
    const ownImportScripts = Object.getOwnPropertyDescriptor(globalThis, 'importScripts');
    try {
      const glue = (await import(/* @vite-ignore */ /* webpackIgnore: true */ blobUrl)) as { default: unknown };
      g.ModuleFactory = glue.default;
      g.Module = { locateFile: (name: string) => fileUrl(name, wasmPaths) };
      g.importScripts = () => undefined;
      await loadLiteRt(glueUrl);
    } finally {
      URL.revokeObjectURL(blobUrl);
      if (ownImportScripts) Object.defineProperty(globalThis, 'importScripts', ownImportScripts);
      else delete g.importScripts;
    }
  })();
  try {
    await loading;
  } catch (error) {
    loading = undefined;
    throw error;
  }
}

/** Fetches the glue, compiles and instantiates LiteRT.js's wasm, before the model is there. */
export const startLiteRt = (runtime: RuntimeName, config: RuntimeConfig): Promise<void> => ensureLiteRt(runtime, config.wasmPaths);

/**
 * A TF Lite model on LiteRT.js. Its tensors have static shapes (batch 1, NHWC), so a batch runs as
 * one call per row; the manifest's NCHW input with one channel is the same bytes as NHWC.
 */
export async function createLiteRtSession(
  runtime: RuntimeName,
  accelerator: 'wasm' | 'webgpu',
  config: RuntimeConfig,
  files: Uint8Array[],
): Promise<LoadedSession> {
  const model = files[0];
  if (!model || files.length !== 1) throw new Error('A TF Lite variant needs exactly one .tflite file');
  await ensureLiteRt(runtime, config.wasmPaths);
  const compiled = await loadAndCompile(model, { accelerator });
  if (accelerator === 'webgpu' && !compiled.isFullyAccelerated) {
    compiled.delete();
    throw new Error('LiteRT.js could not run every operator of this model on WebGPU');
  }
  const inputs = config.io?.inputs ?? compiled.getInputDetails().map((t) => t.name);
  const outputs = config.io?.outputs ?? compiled.getOutputDetails().map((t) => t.name);
  return {
    runtime,
    runtimeVersion: LITERT_VERSION,
    executionProvider: accelerator,
    run: (feeds) => runRows(compiled, feeds, inputs, outputs),
    dispose: async () => compiled.delete(),
  };
}

async function runRows(model: CompiledModel, feeds: TensorMap, inputs: string[], outputs: string[]): Promise<TensorMap> {
  const [inputName] = inputs;
  const feed = inputName === undefined ? undefined : feeds[inputName];
  if (!feed || inputs.length !== 1) throw new Error('The LiteRT runtime runs models with one input');
  const [details] = model.getInputDetails();
  const rowShape = [...(details?.shape ?? [])].slice(1);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const rows = feed.dims[0] ?? 1;
  if (feed.data.length !== rows * rowSize) throw new Error(`input ${inputName} has ${feed.data.length} values, the model takes ${rowSize} per row`);
  const collected: Float32Array[][] = outputs.map(() => []);
  for (let r = 0; r < rows; r++) {
    const input = new Tensor(feed.data.slice(r * rowSize, (r + 1) * rowSize), [1, ...rowShape]);
    try {
      const results = await model.run([input]);
      try {
        for (let k = 0; k < outputs.length; k++) {
          const result = results[k];
          if (!result) throw new Error(`LiteRT.js returned ${results.length} outputs, the manifest names ${outputs.length}`);
          // data() reads from wherever the tensor lives (wasm memory or a GPU buffer); the copy outlives delete().
          collected[k]!.push(Float32Array.from((await result.data()) as Float32Array));
        }
      } finally {
        for (const result of results) if (!result.deleted) result.delete();
      }
    } finally {
      input.delete();
    }
  }
  const out: TensorMap = {};
  outputs.forEach((name, k) => {
    const parts = collected[k]!;
    const width = parts[0]?.length ?? 0;
    const data = new Float32Array(rows * width);
    parts.forEach((part, r) => data.set(part, r * width));
    out[name] = { data, dims: [rows, width] };
  });
  return out;
}
