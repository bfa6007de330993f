import { datatypeFromConfig, type Datatype } from './datatypes.js';
import { instanceCount, queuePolicy, type QueuePolicy } from './config-scheduling.js';
import { parsePbtxt, type PbMessage } from './pbtxt.js';
import { first, int, ints, messages, ModelConfigError, str } from './pb-fields.js';
import { parseWarmup, type WarmupSample } from './warmup.js';

export { ModelConfigError };

/** One model input or output as the config declares it; `dims` exclude the batch dimension. */
export interface TensorSpec {
  name: string;
  datatype: Datatype;
  dims: number[];
}

export interface DynamicBatchingConfig {
  maxQueueDelayMicroseconds: number;
  preferredBatchSize: number[];
}

/** The subset of Triton's ModelConfig the server uses. */
export interface ModelConfig {
  name: string;
  platform: string;
  /** 0: the model takes no batch dimension (Triton's meaning). */
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  dynamicBatching: DynamicBatchingConfig | undefined;
  versionPolicy: VersionPolicy;
  /** Sum of instance_group counts (Triton's onnxruntime CPU default, 2, when unset): one worker thread each. */
  instanceCount: number;
  /** dynamic_batching.default_queue_policy. */
  queuePolicy: QueuePolicy;
  /** model_warmup samples, run on every instance before the version is ready. */
  warmup: WarmupSample[];
  /** Triton's `optimization { graph { level } }`; undefined: all optimisations (Triton's and ORT's default). */
  graphOptimizationLevel: GraphOptimizationLevel | undefined;
  /**
   * Triton's `optimization { priority }` (ModelPriority; Triton's TensorRT backend sets its CUDA
   * stream priority from it). Here it sets the CPU priority of the model's instance threads:
   * MAX computes at the event loop's own priority, MIN at the lowest (nice 19), DEFAULT at the
   * server's `instanceNice`.
   */
  priority: ModelPriority;
}

export type ModelPriority = 'PRIORITY_DEFAULT' | 'PRIORITY_MAX' | 'PRIORITY_MIN';
const PRIORITIES: readonly ModelPriority[] = ['PRIORITY_DEFAULT', 'PRIORITY_MAX', 'PRIORITY_MIN'];

function modelPriority(msg: PbMessage | undefined): ModelPriority {
  const v = msg ? first(msg, 'priority') ?? 'PRIORITY_DEFAULT' : 'PRIORITY_DEFAULT';
  // The text format also allows an enum's number (PRIORITY_MAX = 1, PRIORITY_MIN = 2).
  const found = typeof v === 'number' ? PRIORITIES[v] : PRIORITIES.find((p) => p === v);
  if (!found) throw new ModelConfigError(`optimization.priority must be PRIORITY_DEFAULT, PRIORITY_MAX or PRIORITY_MIN, got ${String(v)}`);
  return found;
}

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** Triton's onnxruntime backend: -1 basic, 1 basic + extended, 2 disabled; no level → all. */
function graphLevel(msg: PbMessage | undefined): GraphOptimizationLevel | undefined {
  const graph = msg && messages(msg, 'graph')[0];
  if (!graph || first(graph, 'level') === undefined) return undefined;
  const level = int(graph, 'level', 0);
  const byLevel: Record<number, GraphOptimizationLevel> = { [-1]: 'basic', 0: 'all', 1: 'extended', 2: 'disabled' };
  const found = byLevel[level];
  if (!found) throw new ModelConfigError(`optimization.graph.level must be -1, 0, 1 or 2, got ${level}`);
  return found;
}

/** Triton's version_policy; without one every version present is served (Triton would serve latest 1). */
export type VersionPolicy = { kind: 'all' } | { kind: 'latest'; numVersions: number } | { kind: 'specific'; versions: number[] };

function versionPolicy(msg: PbMessage | undefined): VersionPolicy {
  if (!msg) return { kind: 'all' };
  const latest = messages(msg, 'latest')[0];
  if (latest) return { kind: 'latest', numVersions: Math.max(1, int(latest, 'num_versions', 1)) };
  const specific = messages(msg, 'specific')[0];
  if (specific) return { kind: 'specific', versions: ints(specific, 'versions') };
  return { kind: 'all' };
}

/** The version numbers (ascending) a policy selects from those present. */
export function selectVersions(policy: VersionPolicy, present: number[]): number[] {
  const sorted = [...present].sort((a, b) => a - b);
  if (policy.kind === 'latest') return sorted.slice(-policy.numVersions);
  if (policy.kind === 'specific') return sorted.filter((v) => policy.versions.includes(v));
  return sorted;
}

function tensor(msg: PbMessage, where: string): TensorSpec {
  const name = str(msg, 'name');
  try {
    const dims = ints(msg, 'dims');
    if (dims.some((d) => d < -1 || d === 0)) throw new ModelConfigError('dims must be positive or -1');
    return { name, datatype: datatypeFromConfig(str(msg, 'data_type')), dims };
  } catch (err) {
    throw new ModelConfigError(`${where} "${name}": ${(err as Error).message}`);
  }
}

export function parseModelConfig(text: string, directoryName: string): ModelConfig {
  const msg = parsePbtxt(text);
  const db = messages(msg, 'dynamic_batching')[0];
  const platform = first(msg, 'platform') ?? first(msg, 'backend') ?? 'onnxruntime_onnx';
  const config: ModelConfig = {
    name: str(msg, 'name', directoryName),
    platform: platform === 'onnxruntime' ? 'onnxruntime_onnx' : String(platform),
    maxBatchSize: int(msg, 'max_batch_size', 0),
    inputs: messages(msg, 'input').map((m) => tensor(m, 'input')),
    outputs: messages(msg, 'output').map((m) => tensor(m, 'output')),
    dynamicBatching: db && {
      maxQueueDelayMicroseconds: int(db, 'max_queue_delay_microseconds', 0),
      preferredBatchSize: ints(db, 'preferred_batch_size'),
    },
    versionPolicy: versionPolicy(messages(msg, 'version_policy')[0]),
    instanceCount: instanceCount(msg),
    queuePolicy: queuePolicy(db),
    graphOptimizationLevel: graphLevel(messages(msg, 'optimization')[0]),
    priority: modelPriority(messages(msg, 'optimization')[0]),
    warmup: [],
  };
  config.warmup = parseWarmup(msg, config.maxBatchSize);
  if (config.platform !== 'onnxruntime_onnx') {
    throw new ModelConfigError(`platform "${config.platform}" is not served (only onnxruntime_onnx)`);
  }
  if (config.maxBatchSize < 0) throw new ModelConfigError('max_batch_size must be >= 0');
  if (config.inputs.length === 0 || config.outputs.length === 0) {
    throw new ModelConfigError('the config must declare at least one input and one output');
  }
  return config;
}

/** The protocol shape of a tensor: `-1` leads for the batch dimension when the model batches. */
export function protocolShape(config: ModelConfig, spec: TensorSpec): number[] {
  return config.maxBatchSize > 0 ? [-1, ...spec.dims] : [...spec.dims];
}
