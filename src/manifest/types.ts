/** The manifest a model ships with (schema version 1). `models/manifest.schema.json` is its JSON Schema. */
export interface Manifest {
  schemaVersion: 1;
  name: string;
  version: string;
  task: 'image-classification';
  /** What the model is for, in a sentence a product owner can read. */
  purpose: string;
  /** What a caller must feed, in plain words (shown by `model.info()`). */
  inputFormat: string;
  labels: string[];
  inputs: TensorSpec[];
  outputs: OutputSpec[];
  preprocessing: Preprocessing;
  variants: Variant[];
  golden: GoldenVector[];
  reference?: ReferenceStats;
  remote?: RemoteEndpoint[];
  channels?: Channel[];
  lineage: Lineage;
  modelCard?: string;
}

export type TensorDtype = 'float32';

export interface TensorSpec {
  name: string;
  dtype: TensorDtype;
  /** -1 marks the dynamic batch dimension (always the first). */
  shape: number[];
}

export interface OutputSpec extends TensorSpec {
  /** `logits` are turned into probabilities with softmax; `probabilities` are used as they are. */
  kind: 'logits' | 'probabilities';
}

export interface Preprocessing {
  kind: 'mnist';
  width: number;
  height: number;
  /** The longer side of the ink's bounding box is scaled to this many pixels. */
  fitBox: number;
  /** `auto`: invert when the border of the image is lighter than its middle. */
  invert: 'auto' | 'always' | 'never';
  centerOfMass: boolean;
  /** Applied after centring: (x - mean) / std, with x in [0, 1] and ink = 1. */
  mean: number;
  std: number;
}

export type VariantFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph' | 'tflite';
export type Precision = 'fp32' | 'int8' | 'uint8' | 'pruned-int8' | 'pruned-fp32';

export interface Variant {
  id: string;
  format: VariantFormat;
  precision: Precision;
  /** Runtimes that may run it, in the library's names (`onnx-wasm`, `onnx-webgpu`, `tfjs-wasm`, …). */
  runtimes: string[];
  files: ModelFile[];
  /** Held-out accuracy measured by the pipeline, in [0, 1]. */
  accuracy: number;
  /** Largest absolute difference allowed between a golden output and this variant's reference output. */
  tolerance: number;
  /** This variant's expected raw outputs for each golden vector, in the same order as `golden`. */
  goldenOutputs: number[][];
  sparsity?: number;
  /** What a runtime must offer to run this variant; the plan skips one that does not, before downloading. */
  requires?: RuntimeRequirements;
}

export type RuntimeFeature = 'wasm-simd' | 'shader-f16' | 'int8';

export interface RuntimeRequirements {
  /** ONNX opset of the graph (default domain). */
  opset?: number;
  /** Lowest runtime package version, per runtime name (SemVer). */
  minRuntimeVersion?: Record<string, string>;
  features?: RuntimeFeature[];
}

export interface ModelFile {
  /** Relative to the manifest's URL; never absolute, never `..`. */
  path: string;
  bytes: number;
  gzipBytes?: number;
  sha256: string;
  /** For multi-file formats (tfjs): the file's role. */
  role?: 'model' | 'weights' | 'topology';
}

export interface GoldenVector {
  id: string;
  /** The already-preprocessed input as base64 of width*height uint8 (value / 255). */
  inputUint8: string;
  label: number;
}

export interface ReferenceStats {
  /** Mean ink per 28×28 input on the held-out set (for drift). */
  meanInk: number;
  stdInk: number;
  /** Share of each predicted label on the held-out set. */
  labelShare: number[];
  /** Mean top-1 probability on the held-out set. */
  meanConfidence: number;
}

export interface RemoteEndpoint {
  url: string;
  protocol: 'v2' | 'tfserving';
  model?: string;
  version?: string;
}

export interface Channel {
  name: string;
  version: string;
  /** Share of installations on this channel, in [0, 1]. */
  share: number;
  manifest?: string;
}

export interface Lineage {
  data: { source: string; split: string; trainCount: number; testCount: number };
  code: { revision: string; entry: string };
  training: Record<string, string | number | boolean>;
  createdAt: string;
}
