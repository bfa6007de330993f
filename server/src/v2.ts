import type { IncomingHttpHeaders } from 'node:http';
import { BinaryCursor, encodeResponse, splitBody, type EncodedResponse } from './binary.js';
import { protocolShape, type ModelConfig } from './config.js';
import { datatypeInfo, elementCount, fromBytes, fromJson, isDatatype, toBytes, toJson, type Datatype, type TypedArray } from './datatypes.js';
import { badRequest, HttpError } from './errors.js';
import type { Tensor } from './executor.js';
import type { BodyParts } from './http.js';
import { isShape, type InferenceService } from './inference.js';
import type { ModelRepository, ModelVersion } from './repository.js';

/** Open Inference Protocol (KServe V2) REST handlers; see specs/inference_rest.md. */

type Parameters = Record<string, unknown>;

interface RequestInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters: Parameters;
  data: unknown;
}

interface RequestOutput {
  name: string;
  parameters: Parameters;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parameters(v: unknown, where: string): Parameters {
  if (v === undefined) return {};
  if (!isObject(v)) throw badRequest(`${where}: "parameters" must be an object`);
  return v;
}

function parseInput(v: unknown, i: number): RequestInput {
  const where = `inputs[${i}]`;
  if (!isObject(v)) throw badRequest(`${where} must be an object`);
  if (typeof v.name !== 'string') throw badRequest(`${where}: "name" must be a string`);
  if (!isShape(v.shape)) throw badRequest(`${where} '${v.name}': "shape" must be an array of non-negative integers`);
  if (typeof v.datatype !== 'string') throw badRequest(`${where} '${v.name}': "datatype" must be a string`);
  return { name: v.name, shape: v.shape, datatype: v.datatype, parameters: parameters(v.parameters, where), data: v.data };
}

function parseOutput(v: unknown, i: number): RequestOutput {
  if (!isObject(v) || typeof v.name !== 'string') throw badRequest(`outputs[${i}] must be an object with a string "name"`);
  return { name: v.name, parameters: parameters(v.parameters, `outputs[${i}]`) };
}

function flag(p: Parameters, key: string, where: string): boolean | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${where}: parameter "${key}" must be a boolean`);
  return v;
}

function decodeInput(input: RequestInput, cursor: BinaryCursor): Tensor {
  const what = `input '${input.name}'`;
  const datatype = input.datatype;
  if (!isDatatype(datatype)) throw badRequest(`${what}: unsupported datatype ${datatype}`);
  const count = elementCount(input.shape);
  const size = input.parameters.binary_data_size;
  if (size !== undefined) {
    if (input.data !== undefined) throw badRequest(`${what}: give either "data" or binary_data_size, not both`);
    const bytes = cursor.take(typeof size === 'number' ? size : NaN, what);
    const need = count * datatypeInfo(datatype).bytes;
    if (bytes.length !== need) {
      throw badRequest(`${what}: binary_data_size is ${bytes.length} bytes, shape and datatype need ${need}`);
    }
    return { name: input.name, datatype, shape: input.shape, data: inPlace(bytes, datatype, count) };
  }
  if (input.data === undefined) throw badRequest(`${what}: "data" is missing`);
  return { name: input.name, datatype, shape: input.shape, data: fromJson(input.data, datatype, count, what) };
}

/**
 * The tensor over the body's own bytes when they fill an ArrayBuffer of their own (one binary
 * input, read by readBodyParts): no copy here, and the buffer is transferred to the instance.
 * Otherwise (several inputs share the section, or a chunked body) a copy, aligned and owned.
 */
function inPlace(bytes: Buffer, dt: Datatype, count: number): TypedArray {
  const own = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  if (!own || bytes.byteLength === 0) return fromBytes(bytes, dt, count);
  return datatypeInfo(dt).view(bytes.buffer as ArrayBuffer, 0, count);
}

export function serverMetadata(version: string): unknown {
  return { name: 'modelship', version, extensions: ['binary_tensor_data', 'statistics', 'model_repository'] };
}

export function modelMetadata(repo: ModelRepository, name: string, version: string | undefined): unknown {
  const v = repo.resolve(name, version);
  const model = repo.models.get(name)!;
  const config: ModelConfig = v.config;
  const meta = (s: ModelConfig['inputs'][number]): unknown => ({ name: s.name, datatype: s.datatype, shape: protocolShape(config, s) });
  return {
    name,
    versions: model.versions.map((x) => x.version),
    platform: config.platform,
    inputs: config.inputs.map(meta),
    outputs: config.outputs.map(meta),
  };
}

export function modelReady(repo: ModelRepository, name: string, version: string | undefined): { name: string; ready: boolean } {
  const v = repo.resolve(name, version);
  return { name, ready: v.state === 'ready' };
}

/**
 * POST …/infer: JSON or binary-extension body in, JSON or binary-extension body out. `body` was
 * read by readBodyParts split at binary.ts `headerLengthOrAll(headers)`.
 */
export async function infer(
  service: InferenceService,
  body: BodyParts,
  headers: IncomingHttpHeaders,
  name: string,
  version: string | undefined,
  startedAt: number,
): Promise<EncodedResponse> {
  return service.handle(name, version, startedAt, (v) => inferResolved(service, v, body, headers, startedAt));
}

async function inferResolved(
  service: InferenceService,
  v: ModelVersion,
  body: BodyParts,
  headers: IncomingHttpHeaders,
  startedAt: number,
): Promise<EncodedResponse> {
  const { json, binary } = splitBody(body, headers);
  if (!isObject(json)) throw badRequest('the inference request must be a JSON object');
  if (json.id !== undefined && typeof json.id !== 'string') throw badRequest('"id" must be a string');
  const params = parameters(json.parameters, 'request');
  if (!Array.isArray(json.inputs) || json.inputs.length === 0) throw badRequest('"inputs" must be a non-empty array');
  if (json.outputs !== undefined && !Array.isArray(json.outputs)) throw badRequest('"outputs" must be an array');

  const inputs = json.inputs.map(parseInput);
  const { ordered, batch } = service.check(v, inputs);
  // Binary sections follow the order of the inputs in the JSON, not the config order.
  const cursor = new BinaryCursor(binary);
  const decoded = new Map(inputs.map((i) => [i.name, decodeInput(i, cursor)] as const));
  cursor.finish();

  const requested = (json.outputs as unknown[] | undefined)?.map(parseOutput) ?? v.config.outputs.map((o) => ({ name: o.name, parameters: {} }));
  const seen = new Set<string>();
  for (const o of requested) {
    if (!v.config.outputs.some((s) => s.name === o.name)) throw badRequest(`unexpected inference output '${o.name}' for model '${v.model}'`);
    if (seen.has(o.name)) throw badRequest(`output '${o.name}' is requested more than once`);
    seen.add(o.name);
  }
  const allBinary = flag(params, 'binary_data_output', 'request') ?? false;
  // The extension names the per-output flag `binary_data`; `binary_data_output` is accepted there too.
  const plan = requested.map((o) => {
    const where = `output '${o.name}'`;
    const binary = flag(o.parameters, 'binary_data', where) ?? flag(o.parameters, 'binary_data_output', where) ?? allBinary;
    return { name: o.name, binary };
  });

  const result = await service.run(v, ordered.map((i) => decoded.get(i.name)!), batch);
  const binaries: Buffer[] = [];
  const outputs = plan.map((o) => {
    const t = result.outputs.find((x) => x.name === o.name);
    if (!t) throw new HttpError('INTERNAL', `model did not produce output '${o.name}'`);
    const head = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (!o.binary) return { ...head, data: toJson(t.data, t.datatype) };
    const bytes = toBytes(t.data);
    binaries.push(bytes);
    return { ...head, parameters: { binary_data_size: bytes.length } };
  });
  const response: Record<string, unknown> = { model_name: v.model, model_version: v.version };
  if (json.id !== undefined) response.id = json.id;
  response.outputs = outputs;
  service.succeeded(v, batch, result, startedAt);
  return encodeResponse(response, binaries);
}
