import type { Engine } from '../engine.js';
import { ModelshipError } from '../errors.js';
import type { Manifest, Variant } from '../manifest/types.js';

export function decodeGoldenInputs(manifest: Manifest): Float32Array {
  const size = manifest.preprocessing.width * manifest.preprocessing.height;
  const out = new Float32Array(manifest.golden.length * size);
  manifest.golden.forEach((vector, row) => {
    const bytes = Uint8Array.from(atob(vector.inputUint8), (char) => char.charCodeAt(0));
    if (bytes.length !== size) {
      throw new ModelshipError('MANIFEST_INVALID', `Manifest field golden[${row}].inputUint8 holds ${bytes.length} bytes, expected ${size}`, {
        details: { field: `golden[${row}].inputUint8` },
      });
    }
    for (let i = 0; i < size; i++) out[row * size + i] = (bytes[i]! / 255 - manifest.preprocessing.mean) / manifest.preprocessing.std;
  });
  return out;
}

export interface ProofReport {
  vectors: number;
  maxAbsDiff: number;
  tolerance: number;
}

/**
 * Runs the manifest's golden vectors through a freshly loaded engine. A backend that computes
 * different numbers than the pipeline measured is never used: wrong answers are worse than slow ones.
 */
export async function proveEngine(engine: Engine, manifest: Manifest, variant: Variant, signal?: AbortSignal): Promise<ProofReport> {
  const input = manifest.inputs[0]!;
  const output = manifest.outputs[0]!;
  const rows = manifest.golden.length;
  if (rows === 0) return { vectors: 0, maxAbsDiff: 0, tolerance: variant.tolerance };
  const dims = [rows, ...input.shape.slice(1)];
  const result = await engine.run({ [input.name]: { data: decodeGoldenInputs(manifest), dims } }, { signal });
  const actual = result[output.name];
  const classes = manifest.labels.length;
  if (!actual || actual.data.length !== rows * classes) {
    throw proofError(`${engine.runtime} returned no ${output.name} of ${rows}×${classes} values for the golden vectors`, engine, variant);
  }
  let maxAbsDiff = 0;
  variant.goldenOutputs.forEach((expected, row) => {
    expected.forEach((value, column) => {
      const diff = Math.abs(actual.data[row * classes + column]! - value);
      maxAbsDiff = Number.isNaN(diff) ? Infinity : Math.max(maxAbsDiff, diff);
    });
  });
  if (maxAbsDiff > variant.tolerance) {
    throw proofError(
      `${engine.runtime} on variant ${variant.id} differs from the golden outputs by ${maxAbsDiff.toPrecision(3)} (tolerance ${variant.tolerance})`,
      engine,
      variant,
      maxAbsDiff,
    );
  }
  return { vectors: rows, maxAbsDiff, tolerance: variant.tolerance };
}

function proofError(message: string, engine: Engine, variant: Variant, maxAbsDiff?: number): ModelshipError {
  return new ModelshipError('PROOF_FAILED', message, {
    details: { runtime: engine.runtime, variant: variant.id, tolerance: variant.tolerance, maxAbsDiff },
  });
}
