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

/** The index request's body: `{"ready": bool}`, both optional. */
export function indexRequest(body: Buffer): { ready: boolean } {
  const req = requestObject(body, 'repository index');
  if (req.ready !== undefined && typeof req.ready !== 'boolean') throw badRequest('"ready" must be a boolean');
  return { ready: req.ready === true };
}

export function index(repo: ModelRepository, ready: boolean): Promise<IndexEntry[]> {
  return repo.index(ready);
}

/** The names of a load/unload body's `parameters` (REST); gRPC passes its parameter map's keys to `control`. */
export function controlParameters(body: Buffer, action: 'load' | 'unload'): string[] {
  const req = requestObject(body, `model ${action}`);
  const params = req.parameters ?? {};
  if (!isObject(params)) throw badRequest('"parameters" must be an object');
  return Object.keys(params);
}

/** Load or unload over either protocol: the same checks, the same repository call. */
export async function control(repo: ModelRepository, name: string, action: 'load' | 'unload', parameters: readonly string[]): Promise<void> {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw badRequest(`invalid model name ${JSON.stringify(name)}`);
  for (const key of parameters) {
    if (action === 'load' && (key === 'config' || key.startsWith('file:'))) {
      throw badRequest(`load parameter "${key}" is not supported: this server loads models from its repository folder only`);
    }
    // unload_dependents and the rest: no ensembles here, nothing depends on a model.
  }
  if (action === 'load') await repo.loadModel(name);
  else await repo.unloadModel(name);
}
