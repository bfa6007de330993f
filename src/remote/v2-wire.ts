/**
 * Open Inference Protocol (KServe V2) REST bodies, as in specs/inference_rest.md, plus the
 * parameters of Triton's binary tensor data extension. Types only.
 */

export type V2Parameters = Record<string, string | number | boolean>;

export interface V2RequestInput {
  name: string;
  shape: number[];
  datatype: 'FP32';
  /** `binary_data_size` when the data follows the JSON as raw bytes. */
  parameters?: V2Parameters;
  data?: number[];
}

export interface V2RequestOutput {
  name: string;
  /** `binary_data: true` asks for this output as raw bytes. */
  parameters?: V2Parameters;
}

export interface V2InferenceRequest {
  id: string;
  /** `binary_data_output: true` asks for every output as raw bytes. */
  parameters?: V2Parameters;
  inputs: V2RequestInput[];
  outputs: V2RequestOutput[];
}

export interface V2ResponseOutput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: V2Parameters;
  /** Flat or nested; absent when the tensor came as binary data. */
  data?: unknown;
}

export interface V2InferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: V2Parameters;
  outputs: V2ResponseOutput[];
}

export interface V2MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}

export interface V2ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs?: V2MetadataTensor[];
  outputs?: V2MetadataTensor[];
}

export interface V2ErrorResponse {
  error: string;
}
