import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig, selectVersions, type ModelConfig } from './config.js';

/** What is on disk for one model folder of a Triton-layout repository, and how to tell it changed. */
export interface ModelOnDisk {
  name: string;
  dir: string;
  config: ModelConfig;
  /** The config.pbtxt text: any change reloads every version. */
  configText: string;
  /** Selected versions (ascending) with a fingerprint of each model file. */
  versions: Array<{ version: string; path: string; fingerprint: string }>;
}

/** Model folder names of a repository (hidden folders skipped), sorted. */
export async function modelNames(repositoryDir: string): Promise<string[]> {
  return (await readdir(repositoryDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

/**
 * Reads `<dir>/config.pbtxt` and the `<n>/model.onnx` files its version_policy selects (all of
 * them when it has none). Throws with the reason when the folder cannot be served.
 */
export async function readModel(repositoryDir: string, name: string): Promise<ModelOnDisk> {
  const dir = join(repositoryDir, name);
  let configText: string;
  let config: ModelConfig;
  try {
    configText = await readFile(join(dir, 'config.pbtxt'), 'utf8');
    config = parseModelConfig(configText, name);
  } catch (err) {
    throw new Error(`config.pbtxt: ${(err as Error).message}`);
  }
  const found: ModelOnDisk['versions'] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !/^\d+$/.test(e.name)) continue;
    const path = join(dir, e.name, 'model.onnx');
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    found.push({ version: String(Number(e.name)), path, fingerprint: `${info.size}:${info.mtimeMs}` });
  }
  const selected = new Set(selectVersions(config.versionPolicy, found.map((v) => Number(v.version))));
  const versions = found.filter((v) => selected.has(Number(v.version))).sort((a, b) => Number(a.version) - Number(b.version));
  if (versions.length === 0) throw new Error('no <version>/model.onnx found');
  return { name, dir, config, configText, versions };
}
