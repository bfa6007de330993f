import { elementCount, fromJson, toJson, type TypedArray } from './datatypes.js';
import { badRequest, HttpError } from './errors.js';
import { parseJson } from './json.js';
import type { Tensor } from './executor.js';
import type { InferenceService } from './inference.js';
import type { ModelRepository, ModelVersion } from './repository.js';

/**
 * TensorFlow Serving REST predict (tensorflow.org/tfx/serving/api_rest), so the library's TF
 * Serving client has a real peer: `instances` (row format) answers `predictions`, `inputs`
 * (columnar format) answers `outputs`. Only models with a batch dimension are served here.
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nest(flat: Array<number | boolean>, shape: number[], offset = 0): unknown {
  if (shape.length === 0) return flat[offset];
  const [n, ...rest] = shape;
  const stride = elementCount(rest);
  return Array.from({ length: n! }, (_, i) => (rest.length === 0 ? flat[offset + i] : nest(flat, rest, offset + i * stride)));
}

function outer(v: unknown, what: string): number {
  if (!Array.isArray(v) || v.length === 0) throw badRequest(`${what} must be a non-empty list`);
  return v.length;
}

export function modelStatus(repo: ModelRepository, name: string, version: string | undefined): unknown {
  const v = repo.resolve(name, version);
  const all = version === undefined ? repo.models.get(name)!.versions : [v];
  return {
    model_version_status: all.map((x) => ({
      version: x.version,
      state: x.state === 'ready' ? 'AVAILABLE' : x.state === 'loading' || x.state === 'restarting' ? 'LOADING' : 'END',
      status: { error_code: x.state === 'ready' ? 'OK' : 'UNAVAILABLE', error_message: x.error ?? '' },
    })),
  };
}

export async function predict(
  service: InferenceService,
  body: Buffer,
  name: string,
  version: string | undefined,
  startedAt: number,
): Promise<unknown> {
  return service.handle(name, version, startedAt, (v) => predictResolved(service, v, body, startedAt));
}

async function predictResolved(service: InferenceService, v: ModelVersion, body: Buffer, startedAt: number): Promise<unknown> {
  const json = parseJson(body, 'request body');
  if (!isObject(json)) throw badRequest('the predict request must be a JSON object');
  const row = json.instances !== undefined;
  if (row === (json.inputs !== undefined)) throw badRequest('give exactly one of "instances" or "inputs"');
  if (service.maxBatch(v) === 0) throw badRequest(`model '${v.model}' has no batch dimension; use the v2 API`);
  const specs = v.config.inputs;

  // Per input: the nested value holding the whole batch.
  const columns = new Map<string, unknown>();
  let batch: number;
  if (row) {
    batch = outer(json.instances, '"instances"');
    const rows = json.instances as unknown[];
    if (specs.length === 1 && !rows.every(isObject)) columns.set(specs[0]!.name, rows);
    else for (const s of specs) columns.set(s.name, rows.map((r) => (isObject(r) ? r[s.name] : undefined)));
  } else {
    const inputs = json.inputs;
    if (specs.length === 1 && !isObject(inputs)) columns.set(specs[0]!.name, inputs);
    else if (isObject(inputs)) for (const [k, val] of Object.entries(inputs)) columns.set(k, val);
    else throw badRequest('"inputs" must be a list or an object of named inputs');
    batch = outer(columns.get(specs[0]!.name), `input '${specs[0]!.name}'`);
  }

  const declared = [...columns.keys()].map((n) => {
    const spec = specs.find((s) => s.name === n);
    return { name: n, datatype: spec?.datatype ?? 'unknown', shape: [batch, ...(spec?.dims ?? [])] };
  });
  const { ordered } = service.check(v, declared);
  const tensors: Tensor[] = ordered.map((d) => {
    const spec = specs.find((s) => s.name === d.name)!;
    if (spec.dims.includes(-1)) throw badRequest(`input '${d.name}' has a variable dimension; use the v2 API`);
    const data: TypedArray = fromJson(columns.get(d.name), spec.datatype, elementCount(d.shape), `input '${d.name}'`);
    return { name: d.name, datatype: spec.datatype, shape: d.shape, data };
  });
  const result = await service.run(v, tensors, batch);
  const outputs = v.config.outputs.map((o) => {
    const t = result.outputs.find((x) => x.name === o.name);
    if (!t) throw new HttpError('INTERNAL', `model did not produce output '${o.name}'`);
    return t;
  });
  service.succeeded(v, batch, result, startedAt);
  const nested = (t: Tensor): unknown => nest(toJson(t.data, t.datatype), t.shape);
  if (!row) {
    return { outputs: outputs.length === 1 ? nested(outputs[0]!) : Object.fromEntries(outputs.map((t) => [t.name, nested(t)])) };
  }
  const perOutput = outputs.map((t) => nested(t) as unknown[]);
  const predictions = Array.from({ length: batch }, (_, i) =>
    outputs.length === 1 ? perOutput[0]![i] : Object.fromEntries(outputs.map((t, k) => [t.name, perOutput[k]![i]])),
  );
  return { predictions };
}
