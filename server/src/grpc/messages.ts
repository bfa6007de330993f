/**
 * The Open Inference Protocol gRPC messages as @grpc/proto-loader hands them over with
 * LOADER_OPTIONS (snake_case fields, int64 as decimal strings, bytes as Buffer). Only the
 * fields this server reads or writes are typed; see proto/open_inference_grpc.proto.
 */
export type Int64 = string | number;

export interface InferParameter {
  bool_param?: boolean;
  int64_param?: Int64;
  string_param?: string;
  double_param?: number;
  uint64_param?: Int64;
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
}

export type Parameters = Record<string, InferParameter>;

export interface TensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Int64[];
  uint_contents?: number[];
  uint64_contents?: Int64[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface WireTensor {
  name?: string;
  datatype?: string;
  shape?: Int64[];
  parameters?: Parameters;
  contents?: TensorContents | null;
}

export interface ModelInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  inputs?: WireTensor[];
  outputs?: Array<{ name?: string; parameters?: Parameters }>;
  raw_input_contents?: Uint8Array[];
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: WireTensor[];
  raw_output_contents: Uint8Array[];
}

export interface ModelRef {
  name?: string;
  version?: string;
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: Int64[];
}

export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface ServerMetadataResponse {
  name: string;
  version: string;
  extensions: string[];
}

/** Triton's extensions (proto/triton_grpc_extensions.proto). */
export interface RepositoryIndexRequest {
  repository_name?: string;
  ready?: boolean;
}

export interface RepositoryModelRequest {
  repository_name?: string;
  model_name?: string;
  /** Only the names matter here: every value is refused or ignored alike. */
  parameters?: Record<string, unknown>;
}

export interface WireDuration {
  count?: Int64;
  ns?: Int64;
}

export interface WireModelStatistics {
  name?: string;
  version?: string;
  last_inference?: Int64;
  inference_count?: Int64;
  execution_count?: Int64;
  inference_stats?: Record<string, WireDuration | undefined>;
  batch_stats?: Array<{ batch_size?: Int64 } & Record<string, WireDuration | Int64 | undefined>>;
}

export interface RepositoryIndexResponse {
  models?: Array<{ name?: string; version?: string; state?: string; reason?: string }>;
}
