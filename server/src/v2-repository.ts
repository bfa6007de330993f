import { badRequest } from './errors.js';
import { parseJson } from './json.js';
import type { IndexEntry, ModelRepository } from './repository.js';

/**
 * Triton's model repository extension (docs/protocol/extension_model_repository.md):
 * `POST /v2/repository/index`, `POST /v2/repository/models/{m}/load|unload`. Load (re)reads the
 * model folder from disk; a `config` or `file:` override parameter is refused (not supported).
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function requestObject(body: Buffer, what: string): Record<string, unknown> {
  if (body.length === 0) return {};
  const json = parseJson(body, what);
  if (!isObject(json)) throw badRequest(`the ${what} request must be a JSON object`);
  return json;
}

export async function index(repo: ModelRepository, body: Buffer): Promise<IndexEntry[]> {
  const req = requestObject(body, 'repository index');
  if (req.ready !== undefined && typeof req.ready !== 'boolean') throw badRequest('"ready" must be a boolean');
  return repo.index(req.ready === true);
}

export async function control(repo: ModelRepository, name: string, action: 'load' | 'unload', body: Buffer): Promise<void> {
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) throw badRequest(`invalid model name ${JSON.stringify(name)}`);
  const req = requestObject(body, `model ${action}`);
  const params = req.parameters ?? {};
  if (!isObject(params)) throw badRequest('"parameters" must be an object');
  for (const key of Object.keys(params)) {
    if (action === 'load' && (key === 'config' || key.startsWith('file:'))) {
      throw badRequest(`load parameter "${key}" is not supported: this server loads models from its repository folder only`);
    }
    if (action === 'unload' && key === 'unload_dependents') continue; // no ensembles here: nothing depends on a model
  }
  if (action === 'load') await repo.loadModel(name);
  else await repo.unloadModel(name);
}
