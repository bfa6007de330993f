import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseModelConfig, selectVersions, type GraphOptimizationLevel, type ModelConfig } from './config.js';
import { HttpError, notFound } from './errors.js';

export type VersionState = 'loading' | 'ready' | 'failed' | 'unloaded';

export interface ModelVersion {
  readonly model: string;
  readonly version: string;
  readonly config: ModelConfig;
  readonly path: string;
  state: VersionState;
  session: ort.InferenceSession | undefined;
  error: string | undefined;
}

export interface LoadedModel {
  readonly name: string;
  readonly config: ModelConfig;
  /** Sorted by version number, ascending. */
  readonly versions: ModelVersion[];
}

export interface SessionSettings {
  /** Overrides the config's graph optimisation level for every model. */
  graphOptimizationLevel: GraphOptimizationLevel | undefined;
  intraOpNumThreads: number | undefined;
}

export interface RepositoryProblem {
  model: string;
  message: string;
}

/**
 * A Triton-layout model repository: `<dir>/<name>/config.pbtxt` and
 * `<dir>/<name>/<version>/model.onnx`. The versions the config's version_policy selects are
 * served (all of them when it has none); "latest" is the highest number.
 */
export class ModelRepository {
  readonly models = new Map<string, LoadedModel>();
  readonly problems: RepositoryProblem[] = [];

  constructor(readonly dir: string, private readonly settings: SessionSettings) {}

  async load(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch (err) {
      this.problems.push({ model: '*', message: `cannot read model repository ${this.dir}: ${(err as Error).message}` });
      return;
    }
    await Promise.all(names.map((name) => this.loadModel(name)));
  }

  private async loadModel(name: string): Promise<void> {
    const modelDir = join(this.dir, name);
    let config: ModelConfig;
    try {
      config = parseModelConfig(await readFile(join(modelDir, 'config.pbtxt'), 'utf8'), name);
    } catch (err) {
      this.problems.push({ model: name, message: `config.pbtxt: ${(err as Error).message}` });
      return;
    }
    const entries = await readdir(modelDir, { withFileTypes: true });
    const versions: ModelVersion[] = [];
    for (const e of entries) {
      if (!e.isDirectory() || !/^\d+$/.test(e.name)) continue;
      const path = join(modelDir, e.name, 'model.onnx');
      if (!(await stat(path).catch(() => undefined))?.isFile()) continue;
      versions.push({ model: name, version: String(Number(e.name)), config, path, state: 'loading', session: undefined, error: undefined });
    }
    const selected = new Set(selectVersions(config.versionPolicy, versions.map((v) => Number(v.version))));
    versions.splice(0, versions.length, ...versions.filter((v) => selected.has(Number(v.version))));
    versions.sort((a, b) => Number(a.version) - Number(b.version));
    if (versions.length === 0) {
      this.problems.push({ model: name, message: 'no <version>/model.onnx found' });
      return;
    }
    this.models.set(name, { name, config, versions });
    await Promise.all(versions.map((v) => this.loadVersion(v)));
  }

  private async loadVersion(v: ModelVersion): Promise<void> {
    try {
      const options: ort.InferenceSession.SessionOptions = {
        // 'all' by default, like Triton's onnxruntime backend and our browser runtime, so a
        // remote answer is computed the way the local one is (int8 QDQ fused alike).
        graphOptimizationLevel: this.settings.graphOptimizationLevel ?? v.config.graphOptimizationLevel ?? 'all',
        executionMode: 'sequential',
      };
      if (this.settings.intraOpNumThreads !== undefined) options.intraOpNumThreads = this.settings.intraOpNumThreads;
      const session = await ort.InferenceSession.create(v.path, options);
      checkAgainstSession(v.config, session);
      v.session = session;
      v.state = 'ready';
    } catch (err) {
      v.state = 'failed';
      v.error = (err as Error).message;
      this.problems.push({ model: `${v.model}/${v.version}`, message: v.error });
    }
  }

  get allReady(): boolean {
    if (this.problems.length > 0) return false;
    for (const m of this.models.values()) if (m.versions.some((v) => v.state !== 'ready')) return false;
    return true;
  }

  /** 404 for an unknown model or version; `version` undefined → latest. */
  resolve(name: string, version: string | undefined): ModelVersion {
    const model = this.models.get(name);
    if (!model) throw notFound(`unknown model: '${name}'`);
    if (version === undefined || version === '') return model.versions[model.versions.length - 1]!;
    const found = model.versions.find((v) => v.version === version);
    if (!found) throw notFound(`unknown version '${version}' of model '${name}'`);
    return found;
  }

  /** Like resolve, and 503 when that version cannot run. */
  resolveReady(name: string, version: string | undefined): ModelVersion & { session: ort.InferenceSession } {
    const v = this.resolve(name, version);
    if (v.state !== 'ready' || !v.session) {
      throw new HttpError('NOT_READY', `model '${name}' version ${v.version} is not ready (${v.state}${v.error ? `: ${v.error}` : ''})`);
    }
    return v as ModelVersion & { session: ort.InferenceSession };
  }

  async dispose(): Promise<void> {
    for (const m of this.models.values()) {
      for (const v of m.versions) {
        const s = v.session;
        v.session = undefined;
        v.state = 'unloaded';
        if (s) await s.release().catch(() => undefined);
      }
    }
  }
}

/** The config must name tensors the ONNX graph really has, or inference would fail per request. */
function checkAgainstSession(config: ModelConfig, session: ort.InferenceSession): void {
  for (const i of config.inputs) {
    if (!session.inputNames.includes(i.name)) {
      throw new Error(`config input "${i.name}" is not an input of the ONNX model (${session.inputNames.join(', ')})`);
    }
  }
  for (const o of config.outputs) {
    if (!session.outputNames.includes(o.name)) {
      throw new Error(`config output "${o.name}" is not an output of the ONNX model (${session.outputNames.join(', ')})`);
    }
  }
}
