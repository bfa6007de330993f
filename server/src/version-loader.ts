import type { GraphOptimizationLevel, ModelConfig } from './config.js';
import type { InstancePriority } from './instances/cpu-priority.js';
import { ModelInstance } from './instances/instance.js';
import { warmupTensors } from './warmup.js';

export interface SessionSettings {
  /** Overrides the config's graph optimisation level for every model. */
  graphOptimizationLevel: GraphOptimizationLevel | undefined;
  intraOpNumThreads: number | undefined;
  /** Overrides the config's instance_group count for every model. */
  instances: number | undefined;
  /** Nice increment of instance threads (default 10), or `idle` (SCHED_IDLE); 0 keeps them at the event loop's priority. */
  instanceNice?: InstancePriority | undefined;
}

/** The default nice increment of instance threads: compute yields the CPU to the event loop. */
export const DEFAULT_INSTANCE_NICE = 10;

/** A model's `optimization { priority }` over the server's nice increment (config.ts). */
export function instanceNice(config: ModelConfig, settings: SessionSettings): InstancePriority {
  if (config.priority === 'PRIORITY_MAX') return 0;
  if (config.priority === 'PRIORITY_MIN') return 19;
  return settings.instanceNice ?? DEFAULT_INSTANCE_NICE;
}

/**
 * Starts a version's instances (one worker thread and session each), checks the config against
 * the ONNX graph, and runs the config's model_warmup samples on every instance: the version is
 * ready only once all of that succeeded. On any failure the started instances are released.
 */
export async function startInstances(config: ModelConfig, modelDir: string, modelPath: string, settings: SessionSettings): Promise<ModelInstance[]> {
  const count = settings.instances ?? config.instanceCount;
  const started = await Promise.allSettled(Array.from({ length: count }, () => startInstance(config, modelDir, modelPath, settings)));
  const instances = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((i) => i.release()));
    throw failed.reason;
  }
  return instances;
}

/** One instance, checked and warmed up (also what the supervisor restarts a dead instance with). */
export async function startInstance(config: ModelConfig, modelDir: string, modelPath: string, settings: SessionSettings): Promise<ModelInstance> {
  const instance = await ModelInstance.start({
    modelPath,
    // 'all' by default, like Triton's onnxruntime backend and our browser runtime, so a
    // remote answer is computed the way the local one is (int8 QDQ fused alike).
    graphOptimizationLevel: settings.graphOptimizationLevel ?? config.graphOptimizationLevel ?? 'all',
    intraOpNumThreads: settings.intraOpNumThreads,
    nice: instanceNice(config, settings),
  });
  try {
    checkNames(config, instance);
    for (const sample of config.warmup) {
      for (const input of sample.inputs) {
        const spec = config.inputs.find((s) => s.name === input.name);
        if (!spec) throw new Error(`model_warmup "${sample.name}": "${input.name}" is not an input of the config`);
        if (spec.datatype !== input.datatype) throw new Error(`model_warmup "${sample.name}": input "${input.name}" is ${input.datatype}, the config says ${spec.datatype}`);
      }
      for (let i = 0; i < sample.count; i++) {
        const tensors = await warmupTensors(sample, modelDir, config.maxBatchSize > 0);
        await instance.run(tensors).catch((err: unknown) => {
          throw new Error(`model_warmup "${sample.name}" failed: ${(err as Error).message}`);
        });
      }
    }
    return instance;
  } catch (err) {
    await instance.release();
    throw err;
  }
}

/** The config must name tensors the ONNX graph really has, or inference would fail per request. */
function checkNames(config: ModelConfig, instance: ModelInstance): void {
  for (const i of config.inputs) {
    if (!instance.inputNames.includes(i.name)) {
      throw new Error(`config input "${i.name}" is not an input of the ONNX model (${instance.inputNames.join(', ')})`);
    }
  }
  for (const o of config.outputs) {
    if (!instance.outputNames.includes(o.name)) {
      throw new Error(`config output "${o.name}" is not an output of the ONNX model (${instance.outputNames.join(', ')})`);
    }
  }
}
