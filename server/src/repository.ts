import type { ModelConfig } from './config.js';
import { HttpError, notFound } from './errors.js';
import type { ModelInstance } from './instances/instance.js';
import type { BackoffPolicy } from './instances/backoff.js';
import { InstanceSupervisor } from './instances/supervisor.js';
import { modelNames, readModel, type ModelOnDisk } from './model-files.js';
import { VersionLeases } from './version-leases.js';
import { startInstance, startInstances, type SessionSettings } from './version-loader.js';

export type { SessionSettings } from './version-loader.js';

/** `restarting`: every instance died and the supervisor is starting them again (unready meanwhile). */
export type VersionState = 'loading' | 'ready' | 'restarting' | 'failed' | 'unloading' | 'unloaded';

export interface ModelVersion {
  readonly model: string;
  readonly version: string;
  readonly config: ModelConfig;
  readonly path: string;
  /** Model file + config text: a version whose fingerprint changed on disk is reloaded. */
  readonly fingerprint: string;
  state: VersionState;
  instances: ModelInstance[];
  error: string | undefined;
  /** Restarts dead instances while the version is served; stopped when it is unloaded. */
  supervisor?: InstanceSupervisor | undefined;
}

/** Instance deaths and restarts, for metrics. */
export interface InstanceEvents {
  death(model: string, version: string): void;
  restart(model: string, version: string): void;
}

export interface RepositoryOptions {
  instanceEvents?: InstanceEvents;
  /** Restart delays of dead instances (default 100 ms doubling to 10 s, reset after 30 s up). */
  restartBackoff?: BackoffPolicy;
}

export interface LoadedModel {
  readonly name: string;
  readonly config: ModelConfig;
  /** Sorted by version number, ascending. */
  readonly versions: ModelVersion[];
}

export interface RepositoryProblem {
  model: string;
  message: string;
}

/** One row of the model repository extension's index. */
export interface IndexEntry {
  name: string;
  version?: string;
  state: 'READY' | 'LOADING' | 'UNAVAILABLE' | 'UNLOADING';
  reason: string;
}

const STATE: Record<VersionState, IndexEntry['state']> = { loading: 'LOADING', ready: 'READY', restarting: 'UNAVAILABLE', failed: 'UNAVAILABLE', unloading: 'UNLOADING', unloaded: 'UNAVAILABLE' };

/**
 * A Triton-layout model repository: `<dir>/<name>/config.pbtxt` and
 * `<dir>/<name>/<version>/model.onnx`, served version by version. Models can be (re)loaded and
 * unloaded while serving (model repository extension, polling): a changed version is loaded
 * beside the one serving, swapped in once ready (warm-up included), and the old one is
 * released only after the requests that started on it have finished (`acquire`/`release`).
 */
export class ModelRepository {
  readonly models = new Map<string, LoadedModel>();
  readonly problems: RepositoryProblem[] = [];
  private readonly unloaded = new Set<string>();
  private readonly leases = new VersionLeases();
  private readonly busy = new Map<string, Promise<void>>();
  /** The last reason a poll could not read each model folder, so a broken folder is reported once. */
  private readonly pollErrors = new Map<string, string>();

  constructor(
    readonly dir: string,
    private readonly settings: SessionSettings,
    private readonly log: (message: string) => void = () => undefined,
    private readonly options: RepositoryOptions = {},
  ) {}

  /** Loads every model folder (the initial load). */
  async load(): Promise<void> {
    let names: string[];
    try {
      names = await modelNames(this.dir);
    } catch (err) {
      this.problems.push({ model: '*', message: `cannot read model repository ${this.dir}: ${(err as Error).message}` });
      return;
    }
    await Promise.all(names.map((name) => this.loadModel(name).catch(() => undefined)));
  }

  /**
   * Loads or reloads one model from disk; versions whose file and config are unchanged keep
   * serving untouched. Rejects with the reason when the model cannot be served; a model already
   * served then keeps its current versions.
   */
  loadModel(name: string): Promise<void> {
    return this.serialized(name, async () => {
      this.unloaded.delete(name);
      let disk: ModelOnDisk;
      try {
        disk = await readModel(this.dir, name);
      } catch (err) {
        // A model still served keeps serving (and the server stays ready); the caller hears why.
        if (!this.models.has(name)) {
          this.clearProblems(name);
          this.problem(name, (err as Error).message);
        }
        throw new HttpError('BAD_REQUEST', `failed to load '${name}': ${(err as Error).message}`);
      }
      await this.swapIn(disk);
    });
  }

  /** Unloads a model: it stops taking requests now; requests already running finish on it. */
  unloadModel(name: string): Promise<void> {
    return this.serialized(name, async () => {
      const current = this.models.get(name);
      if (!current) throw notFound(`unknown model: '${name}'`);
      this.models.delete(name);
      this.unloaded.add(name);
      this.clearProblems(name);
      for (const v of current.versions) this.retire(v);
    });
  }

  /** Reloads what changed on disk: new, changed and removed model folders (polling mode). */
  async poll(): Promise<void> {
    const names = await modelNames(this.dir).catch(() => [] as string[]);
    for (const name of this.models.keys()) {
      if (!names.includes(name)) await this.unloadModel(name).catch(() => undefined);
    }
    for (const name of names) {
      if (this.unloaded.has(name)) continue;
      const current = this.models.get(name);
      let reason = '';
      const disk = await readModel(this.dir, name).catch((err: unknown) => void (reason = (err as Error).message));
      if (!disk && this.pollErrors.get(name) === reason) continue; // still broken; already reported
      if (disk) this.pollErrors.delete(name);
      else this.pollErrors.set(name, reason);
      const same = current && disk && current.versions.length === disk.versions.length &&
        disk.versions.every((d, i) => current.versions[i]!.version === d.version && current.versions[i]!.fingerprint === fingerprint(disk, d));
      if (same) continue;
      await this.loadModel(name).then(
        () => this.log(`model ${name}: reloaded from disk`),
        (err: unknown) => this.log(`model ${name}: reload failed, ${current ? 'keeping the versions being served' : 'not served'}: ${(err as Error).message}`),
      );
    }
  }

  private async swapIn(disk: ModelOnDisk): Promise<void> {
    const current = this.models.get(disk.name);
    const keep = new Map<string, ModelVersion>();
    for (const v of current?.versions ?? []) {
      const d = disk.versions.find((x) => x.version === v.version);
      if (d && v.fingerprint === fingerprint(disk, d) && v.state === 'ready') keep.set(v.version, v);
    }
    const fresh = disk.versions
      .filter((d) => !keep.has(d.version))
      .map((d): ModelVersion => ({ model: disk.name, version: d.version, config: disk.config, path: d.path, fingerprint: fingerprint(disk, d), state: 'loading', instances: [], error: undefined }));
    const entry = (versions: ModelVersion[]): LoadedModel => ({ name: disk.name, config: disk.config, versions: versions.sort((a, b) => Number(a.version) - Number(b.version)) });
    // A model not served yet shows its versions as loading at once (ready answers 503, not 404).
    if (!current) this.models.set(disk.name, entry([...keep.values(), ...fresh]));
    await Promise.all(fresh.map((v) => this.startVersion(v, disk.dir)));
    const next = disk.versions.map((d) => {
      const f = fresh.find((v) => v.version === d.version);
      const old = current?.versions.find((v) => v.version === d.version);
      // A failed reload of a version keeps the one that was serving.
      return f && f.state === 'failed' && old?.state === 'ready' ? old : (keep.get(d.version) ?? f!);
    });
    if (this.unloaded.has(disk.name)) {
      for (const v of fresh) this.retire(v);
      return;
    }
    this.models.set(disk.name, entry(next));
    for (const v of [...(current?.versions ?? []), ...fresh]) if (!next.includes(v)) this.retire(v);
    const failed = fresh.filter((v) => v.state === 'failed');
    this.clearProblems(disk.name);
    for (const v of failed) if (next.includes(v)) this.problem(`${v.model}/${v.version}`, v.error!);
    if (failed.length > 0) throw new HttpError('BAD_REQUEST', `failed to load '${disk.name}': ${failed.map((v) => `version ${v.version}: ${v.error}`).join('; ')}`);
  }

  private async startVersion(v: ModelVersion, modelDir: string): Promise<void> {
    try {
      v.instances = await startInstances(v.config, modelDir, v.path, this.settings);
      // No silent downgrade: an instance computing at a higher priority than configured is said once per version.
      const short = v.instances.find((instance) => instance.priority.shortfall)?.priority;
      if (short) this.log(`model ${v.model} version ${v.version}: instance threads at ${short.got}: ${short.shortfall}`);
      v.state = 'ready';
      const events = this.options.instanceEvents;
      v.supervisor = new InstanceSupervisor(v, () => startInstance(v.config, modelDir, v.path, this.settings), {
        death: () => events?.death(v.model, v.version),
        restart: () => events?.restart(v.model, v.version),
        log: this.log,
      }, this.options.restartBackoff);
    } catch (err) {
      v.state = 'failed';
      v.error = (err as Error).message;
    }
  }

  /** Marks a version as used by one request; it is not released until the matching `release`. */
  acquire(v: ModelVersion): void {
    this.leases.acquire(v);
  }

  release(v: ModelVersion): void {
    this.leases.release(v);
  }

  private retire(v: ModelVersion): void {
    this.leases.retire(v);
  }

  /** Every model folder and every served version, as the model repository extension's index lists them. */
  async index(readyOnly: boolean): Promise<IndexEntry[]> {
    const names = new Set([...(await modelNames(this.dir).catch(() => [])), ...this.models.keys()]);
    const out: IndexEntry[] = [];
    for (const name of [...names].sort()) {
      const m = this.models.get(name);
      if (!m) {
        const problem = this.problems.find((p) => p.model === name)?.message;
        if (!readyOnly) out.push({ name, state: 'UNAVAILABLE', reason: this.unloaded.has(name) ? 'unloaded' : (problem ?? 'not loaded') });
        continue;
      }
      for (const v of m.versions) {
        if (readyOnly && v.state !== 'ready') continue;
        out.push({ name, version: v.version, state: STATE[v.state], reason: v.error ?? '' });
      }
    }
    return out;
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
  resolveReady(name: string, version: string | undefined): ModelVersion {
    const v = this.resolve(name, version);
    if (v.state !== 'ready') {
      throw new HttpError('NOT_READY', `model '${name}' version ${v.version} is not ready (${v.state}${v.error ? `: ${v.error}` : ''})`);
    }
    return v;
  }

  /** Waits for loads in progress, then releases every instance. */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.busy.values()]);
    const all = [...this.models.values()].flatMap((m) => m.versions);
    await Promise.all(all.map((v) => (v.state === 'unloaded' ? undefined : this.leases.unload(v))));
  }

  private problem(model: string, message: string): void {
    this.problems.push({ model, message });
  }

  private clearProblems(name: string): void {
    for (let i = this.problems.length - 1; i >= 0; i--) {
      const m = this.problems[i]!.model;
      if (m === name || m.startsWith(`${name}/`)) this.problems.splice(i, 1);
    }
  }

  /** One load or unload per model at a time; others wait their turn. */
  private serialized(name: string, work: () => Promise<void>): Promise<void> {
    const run = (this.busy.get(name) ?? Promise.resolve()).catch(() => undefined).then(work);
    const tail = run.catch(() => undefined);
    this.busy.set(name, tail);
    void tail.then(() => {
      if (this.busy.get(name) === tail) this.busy.delete(name);
    });
    return run;
  }
}

function fingerprint(disk: ModelOnDisk, d: ModelOnDisk['versions'][number]): string {
  return `${d.fingerprint}|${disk.configText}`;
}
