import { ModelshipError } from '../errors.js';
import type { Manifest } from './types.js';

function invalid(field: string, message: string): ModelshipError {
  return new ModelshipError('MANIFEST_INVALID', `Manifest field ${field} ${message}`, { details: { field } });
}

/** Bytes a base64 string decodes to, or undefined when it is not canonical base64 (what `atob` would reject or misread). */
export function base64Length(text: string): number | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const padding = text.length - text.replace(/=+$/, '').length;
  if (padding > 0 ? text.length % 4 !== 0 : text.length % 4 === 1) return undefined;
  return Math.floor(((text.length - padding) * 3) / 4);
}

/**
 * The proof is only as good as its vectors: a golden input of the wrong size, a non-finite expected
 * output or a tolerance no runtime could fail (1e309 parses as Infinity) would let a wrong runtime
 * through, or fail only after the model files were downloaded and cached. Checked with the manifest.
 */
export function checkGolden(manifest: Manifest, maxTolerance: number): void {
  const pixels = manifest.preprocessing.width * manifest.preprocessing.height;
  manifest.golden.forEach((vector, index) => {
    const field = `golden[${index}].inputUint8`;
    const bytes = base64Length(vector.inputUint8);
    if (bytes === undefined) throw invalid(field, 'is not valid base64');
    if (bytes !== pixels) throw invalid(field, `holds ${bytes} bytes, expected ${pixels} (preprocessing.width × height)`);
  });
  manifest.variants.forEach((variant, index) => {
    const field = `variants[${index}]`;
    if (!Number.isFinite(variant.tolerance)) throw invalid(`${field}.tolerance`, `must be a finite number, got ${variant.tolerance}`);
    if (variant.tolerance > maxTolerance) {
      throw invalid(`${field}.tolerance`, `is ${variant.tolerance}, over the limit of ${maxTolerance}: a proof that loose proves nothing`);
    }
    variant.goldenOutputs.forEach((row, rowIndex) => {
      const column = row.findIndex((value) => !Number.isFinite(value));
      if (column >= 0) throw invalid(`${field}.goldenOutputs[${rowIndex}][${column}]`, `must be a finite number, got ${row[column]}`);
    });
  });
}
