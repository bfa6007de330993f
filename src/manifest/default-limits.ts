// Apart from the checks in limits.ts, so the core can name the defaults without loading the validator's chunk.
export interface ManifestLimits {
  /** Largest manifest document accepted, in bytes. */
  maxManifestBytes: number;
  /** Largest single model file. Chrome caps one ArrayBuffer near 2 GB. */
  maxFileBytes: number;
  /** Largest sum of one variant's files. */
  maxVariantBytes: number;
  /** Largest element count of one input or output row (batch excluded). */
  maxTensorElements: number;
  /** Largest `variants[].tolerance` accepted: beyond it the golden proof would pass any runtime. */
  maxTolerance: number;
}

export const DEFAULT_LIMITS: ManifestLimits = {
  maxManifestBytes: 4 * 1024 * 1024,
  maxFileBytes: 1024 * 1024 * 1024,
  maxVariantBytes: 1536 * 1024 * 1024,
  maxTensorElements: 16 * 1024 * 1024,
  maxTolerance: 1,
};
