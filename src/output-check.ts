import type { Engine, RunOptions, TensorMap } from './engine.js';
import { ModelshipError, asModelshipError } from './errors.js';
import type { Manifest } from './manifest/types.js';

/**
 * The one door every engine's answer goes through (worker, current thread, V2 JSON or binary,
 * TF Serving): a runtime's untyped failure becomes BACKEND_UNAVAILABLE, and outputs that are not
 * of the manifest's shape or hold NaN/±Infinity become OUTPUT_INVALID — a wrong answer is worse
 * than none, and both codes let the router fall back.
 */
export function runChecked(engine: Engine, feeds: TensorMap, options: RunOptions, manifest: Manifest): Promise<TensorMap> {
  // Read before the run: the engine may transfer (detach) the feeds.
  let rows = 1;
  for (const name in feeds) {
    rows = feeds[name]!.dims[0] ?? 1;
    break;
  }
  let running: Promise<TensorMap>;
  try {
    running = engine.run(feeds, options);
  } catch (error) {
    return Promise.reject(backendFailure(engine, error));
  }
  // One reaction rather than an async function's await and return: each is a hop on the reply's path.
  return running.then(
    (outputs) => {
      checkOutputs(outputs, manifest, rows, engine.runtime);
      return outputs;
    },
    (error: unknown) => {
      throw backendFailure(engine, error);
    },
  );
}

function backendFailure(engine: Engine, error: unknown): ModelshipError {
  return asModelshipError(error, 'BACKEND_UNAVAILABLE', `${engine.runtime} failed to run the model`, { runtime: engine.runtime });
}

/** Throws OUTPUT_INVALID unless every output the manifest names is there, of its shape for `rows`, and finite. */
export function checkOutputs(outputs: unknown, manifest: Manifest, rows: number, runtime: string): void {
  const fail = (output: string, problem: string, details: Record<string, unknown> = {}): ModelshipError =>
    new ModelshipError('OUTPUT_INVALID', `${runtime} returned output '${output}' ${problem}`, { details: { runtime, output, ...details } });
  if (typeof outputs !== 'object' || outputs === null) throw fail('(all)', `as ${outputs === null ? 'null' : typeof outputs}`);
  for (const spec of manifest.outputs) {
    const tensor = (outputs as Record<string, unknown>)[spec.name] as { data?: unknown; dims?: unknown } | undefined;
    if (!tensor || !(tensor.data instanceof Float32Array) || !Array.isArray(tensor.dims)) throw fail(spec.name, 'missing or not a float32 tensor');
    // Plain loops, no arrays made: this runs on every answer, on a thread that has just woken for it.
    const dims = tensor.dims as unknown[];
    const shape = spec.shape;
    let count = 1;
    let sameShape = dims.length === shape.length;
    for (let index = 0; sameShape && index < shape.length; index++) {
      const dim = index === 0 && shape[0] === -1 ? rows : shape[index]!;
      sameShape = dims[index] === dim;
      count *= dim;
    }
    if (!sameShape) {
      const expected = shape.map((dim, index) => (index === 0 && dim === -1 ? rows : dim));
      throw fail(spec.name, `with shape ${JSON.stringify(dims)}; the manifest expects ${JSON.stringify(expected)}`, { shape: dims, expected });
    }
    if (tensor.data.length !== count) {
      throw fail(spec.name, `with ${tensor.data.length} values; its shape holds ${count}`, { received: tensor.data.length, expected: count });
    }
    const data = tensor.data;
    for (let index = 0; index < data.length; index++) {
      if (!Number.isFinite(data[index]!)) throw fail(spec.name, `with ${data[index]} at index ${index}`, { index, value: String(data[index]) });
    }
  }
}
