import { ModelshipError } from '../errors.js';
import { DEFAULT_LIMITS, type ManifestLimits } from './default-limits.js';
import { checkGolden } from './golden-checks.js';

export { DEFAULT_LIMITS, type ManifestLimits };
import type { Manifest } from './types.js';

function invalid(field: string, message: string): ModelshipError {
  return new ModelshipError('MANIFEST_INVALID', `Manifest field ${field} ${message}`, { details: { field } });
}

const rowElements = (shape: number[]): number => shape.slice(1).reduce((product, dim) => product * dim, 1);

/** What the JSON Schema cannot say: cross-field consistency and resource limits, checked before anything is allocated. */
export function checkSemantics(manifest: Manifest, limits: ManifestLimits): void {
  const tensors = [
    ...manifest.inputs.map((spec, index) => ({ spec, field: `inputs[${index}]` })),
    ...manifest.outputs.map((spec, index) => ({ spec, field: `outputs[${index}]` })),
  ];
  for (const { spec, field } of tensors) {
    if (spec.shape[0] !== -1) throw invalid(`${field}.shape[0]`, 'must be -1 (the dynamic batch dimension)');
    spec.shape.slice(1).forEach((dim, index) => {
      if (!Number.isInteger(dim) || dim < 1) throw invalid(`${field}.shape[${index + 1}]`, `must be a positive integer, got ${dim}`);
    });
    const elements = rowElements(spec.shape);
    if (elements > limits.maxTensorElements) {
      throw invalid(`${field}.shape`, `describes ${elements} elements per row, over the limit of ${limits.maxTensorElements}`);
    }
  }
  const input = manifest.inputs[0];
  const output = manifest.outputs[0];
  if (!input || !output) throw invalid('inputs', 'and outputs must each name at least one tensor');
  const classes = rowElements(output.shape);
  if (manifest.labels.length !== classes) {
    throw invalid('labels', `has ${manifest.labels.length} entries but outputs[0] has ${classes} classes`);
  }
  const pixels = manifest.preprocessing.width * manifest.preprocessing.height;
  if (rowElements(input.shape) !== pixels) {
    throw invalid('preprocessing', `makes ${pixels} values but inputs[0].shape holds ${rowElements(input.shape)}`);
  }
  const ids = new Set<string>();
  manifest.variants.forEach((variant, index) => {
    const field = `variants[${index}]`;
    if (ids.has(variant.id)) throw invalid(`${field}.id`, `repeats the id "${variant.id}"`);
    ids.add(variant.id);
    let total = 0;
    variant.files.forEach((file, fileIndex) => {
      if (file.bytes > limits.maxFileBytes) {
        throw invalid(`${field}.files[${fileIndex}].bytes`, `is ${file.bytes}, over the limit of ${limits.maxFileBytes}`);
      }
      total += file.bytes;
    });
    if (total > limits.maxVariantBytes) throw invalid(`${field}.files`, `add up to ${total} bytes, over the limit of ${limits.maxVariantBytes}`);
    if (variant.goldenOutputs.length !== manifest.golden.length) {
      throw invalid(`${field}.goldenOutputs`, `has ${variant.goldenOutputs.length} rows but golden has ${manifest.golden.length}`);
    }
    variant.goldenOutputs.forEach((row, rowIndex) => {
      if (row.length !== classes) throw invalid(`${field}.goldenOutputs[${rowIndex}]`, `has ${row.length} values, expected ${classes}`);
    });
  });
  manifest.golden.forEach((vector, index) => {
    if (vector.label < 0 || vector.label >= classes) throw invalid(`golden[${index}].label`, `is out of range 0..${classes - 1}`);
  });
  checkGolden(manifest, limits.maxTolerance ?? DEFAULT_LIMITS.maxTolerance);
}
