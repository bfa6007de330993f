import type { PbMessage } from './pbtxt.js';
import { bool, first, int, messages, ModelConfigError, str } from './pb-fields.js';

/** Triton's ModelQueuePolicy (dynamic_batching.default_queue_policy). */
export interface QueuePolicy {
  /** 0: no limit. A request that finds the queue full is rejected at once (503 + Retry-After). */
  maxQueueSize: number;
  /** 0: no timeout. */
  defaultTimeoutMicroseconds: number;
  /** REJECT answers a request that outlived its timeout in the queue 503; DELAY lets every fresher request go first. */
  timeoutAction: 'REJECT' | 'DELAY';
}

export const NO_QUEUE_POLICY: QueuePolicy = { maxQueueSize: 0, defaultTimeoutMicroseconds: 0, timeoutAction: 'REJECT' };

export function queuePolicy(dynamicBatching: PbMessage | undefined): QueuePolicy {
  const p = dynamicBatching && messages(dynamicBatching, 'default_queue_policy')[0];
  if (!p) return NO_QUEUE_POLICY;
  const action = first(p, 'timeout_action') ?? 'REJECT';
  if (action !== 'REJECT' && action !== 'DELAY') throw new ModelConfigError(`default_queue_policy.timeout_action must be REJECT or DELAY, got ${String(action)}`);
  const maxQueueSize = int(p, 'max_queue_size', 0);
  const timeout = int(p, 'default_timeout_microseconds', 0);
  if (maxQueueSize < 0 || timeout < 0) throw new ModelConfigError('default_queue_policy values must be >= 0');
  bool(p, 'allow_timeout_override', false); // accepted for Triton compatibility; requests carry no timeout here
  return { maxQueueSize, defaultTimeoutMicroseconds: timeout, timeoutAction: action };
}

/**
 * Model instances from `instance_group`. Every instance runs on the CPU (this server has no GPU
 * backend): KIND_CPU, KIND_AUTO and KIND_MODEL are accepted, KIND_GPU is refused rather than
 * silently run elsewhere. A group without `count` gets Triton's default for the onnxruntime
 * backend on CPU, 2; a config without instance_group gets one such group (Triton's auto-complete
 * on a machine without GPUs).
 */
export const ORT_CPU_DEFAULT_COUNT = 2;

export function instanceCount(config: PbMessage): number {
  const groups = messages(config, 'instance_group');
  if (groups.length === 0) return ORT_CPU_DEFAULT_COUNT;
  let total = 0;
  for (const g of groups) {
    const kind = str(g, 'kind', 'KIND_AUTO');
    if (kind === 'KIND_GPU') throw new ModelConfigError('instance_group kind KIND_GPU is not available: this server runs models on the CPU (use KIND_CPU)');
    if (!['KIND_CPU', 'KIND_AUTO', 'KIND_MODEL'].includes(kind)) throw new ModelConfigError(`instance_group kind ${kind} is unknown`);
    const count = int(g, 'count', ORT_CPU_DEFAULT_COUNT);
    if (count < 1) throw new ModelConfigError('instance_group count must be >= 1');
    total += count;
  }
  return total;
}
