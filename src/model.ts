import type { Engine } from './engine.js';
import type { Emitter } from './emitter.js';
import { ModelshipError } from './errors.js';
import type { Manifest, Variant } from './manifest/types.js';
import { toBatchTensor, toInputTensor, type ModelInput } from './preprocess/input.js';
import { softmax, topK } from './scores.js';
import type { CacheStatus, ModelEvents, ModelInfo, PredictOptions, Prediction } from './types.js';

export interface ModelParts {
  manifest: Manifest;
  manifestUrl: string;
  variant: Variant;
  engine: Engine;
  runtimeVersion: string;
  reason: string;
  cache: { status: CacheStatus; bytes: number };
  events: Emitter<ModelEvents>;
}

const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

export class Model {
  private disposed = false;

  constructor(private readonly parts: ModelParts) {}

  /** Classifies one input: preprocessed values, ImageData, a canvas or an ImageBitmap. */
  async predict(input: ModelInput, options: PredictOptions = {}): Promise<Prediction> {
    this.assertLive();
    const started = now();
    const data = toInputTensor(input, this.parts.manifest);
    const [prediction] = await this.runRows(data, 1, started, options);
    return prediction!;
  }

  /** Many inputs in one worker call and one runtime run. */
  async predictBatch(inputs: ModelInput[], options: PredictOptions = {}): Promise<Prediction[]> {
    this.assertLive();
    const started = now();
    if (!Array.isArray(inputs)) {
      throw new ModelshipError('INPUT_INVALID', 'inputs must be an array', { details: { field: 'inputs' } });
    }
    if (inputs.length === 0) return [];
    const batch = toBatchTensor(inputs, this.parts.manifest);
    return this.runRows(batch.data, inputs.length, started, options);
  }

  info(): ModelInfo {
    const { manifest, variant, engine } = this.parts;
    return {
      name: manifest.name,
      version: manifest.version,
      variant: variant.id,
      precision: variant.precision,
      purpose: manifest.purpose,
      inputFormat: manifest.inputFormat,
      labels: [...manifest.labels],
      route: 'local',
      runtime: engine.runtime,
      runtimeVersion: this.parts.runtimeVersion,
      executionProvider: engine.runtime.split('-').slice(1).join('-'),
      reason: this.parts.reason,
      manifestUrl: this.parts.manifestUrl,
      cache: { ...this.parts.cache },
      accuracy: variant.accuracy,
    };
  }

  on<K extends keyof ModelEvents>(event: K, handler: (payload: ModelEvents[K]) => void): () => void {
    return this.parts.events.on(event, handler);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.parts.engine.dispose();
  }

  private async runRows(data: Float32Array, rows: number, started: number, options: PredictOptions): Promise<Prediction[]> {
    const { manifest, variant, engine } = this.parts;
    const input = manifest.inputs[0]!;
    const output = manifest.outputs[0]!;
    const result = await engine.run({ [input.name]: { data, dims: [rows, ...input.shape.slice(1)] } }, options);
    const classes = manifest.labels.length;
    const values = result[output.name];
    if (!values || values.data.length !== rows * classes) {
      throw new ModelshipError('BACKEND_UNAVAILABLE', `${engine.runtime} returned ${values?.data.length ?? 0} values for ${rows}×${classes}`);
    }
    const latencyMs = now() - started;
    return Array.from({ length: rows }, (_, row) => {
      const raw = values.data.subarray(row * classes, (row + 1) * classes);
      const scores = output.kind === 'logits' ? softmax(raw) : Array.from(raw);
      const top = topK(scores, manifest.labels, 3);
      const best = top[0]!;
      return {
        label: best.label,
        index: best.index,
        scores,
        top,
        route: 'local' as const,
        runtime: engine.runtime,
        variant: variant.id,
        version: manifest.version,
        latencyMs,
      };
    });
  }

  private assertLive(): void {
    if (this.disposed) throw new ModelshipError('DISPOSED', 'This model was disposed; call loadModel again');
  }
}
