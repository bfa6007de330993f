import { performance } from 'node:perf_hooks';
import type { Datatype } from '../datatypes.js';
import type { BodyLimits } from '../http.js';
import { badRequest, HttpError, overloaded } from '../errors.js';
import type { Tensor } from '../executor.js';
import type { InferenceService } from '../inference.js';
import type { ModelVersion } from '../repository.js';
import type { ModelInferRequest, ModelInferResponse, Parameters, WireTensor } from './messages.js';
import { ownBuffer, wireBytes } from './proto.js';
import { fromContents, parseShape, rawTensors, toContents, toRaw } from './tensors.js';

/**
 * ModelInfer over the same InferenceService as REST: the same validation against config.pbtxt,
 * the same dynamic batcher, the same per-version Triton counters.
 *
 * Output form: raw_output_contents when the inputs came raw (what Triton's clients send and
 * expect), typed `contents` when they came typed; the request parameter `binary_data_output`
 * (bool, the REST extension's name) overrides. The spec makes it all or nothing per response,
 * and FP16 has no typed field, so a response holding FP16 is always raw.
 */
export async function modelInfer(service: InferenceService, req: ModelInferRequest, limits: BodyLimits): Promise<ModelInferResponse> {
  const startedAt = performance.now();
  const name = req.model_name ?? '';
  if (name === '') throw badRequest('"model_name" must be given');
  const version = req.model_version || undefined;
  // The same admission as REST, in the same order: unknown model 404 / full queue 503 first
  // (before any tensor is decoded), then the shared budget of request bytes held in memory.
  service.admit(name, version, startedAt);
  const bytes = wireBytes(req);
  if (!limits.budget.reserve(bytes)) {
    // Past the budget gRPC says RESOURCE_EXHAUSTED (grpc/status.ts), with the same retry-after.
    throw overloaded(`the server is holding too many request bytes (cap ${limits.budget.capBytes}); retry later`, limits.retryAfterSeconds, 'body_memory');
  }
  try {
    return await service.handle(name, version, startedAt, (v) => inferResolved(service, v, req, startedAt));
  } finally {
    limits.budget.release(bytes);
  }
}

interface DeclaredWireInput {
  name: string;
  datatype: string;
  shape: number[];
  wire: WireTensor;
}

function declare(t: WireTensor, i: number): DeclaredWireInput {
  const name = t.name ?? '';
  if (name === '') throw badRequest(`inputs[${i}]: "name" must be given`);
  return { name, datatype: t.datatype ?? '', shape: parseShape(t.shape, `input '${name}'`), wire: t };
}

function boolParameter(params: Parameters | undefined, key: string): boolean | undefined {
  const p = params?.[key];
  if (p === undefined) return undefined;
  if (p.parameter_choice !== 'bool_param') throw badRequest(`parameter "${key}" must be a bool_param`);
  return p.bool_param ?? false;
}

async function inferResolved(service: InferenceService, v: ModelVersion, req: ModelInferRequest, startedAt: number): Promise<ModelInferResponse> {
  const wireInputs = req.inputs ?? [];
  if (wireInputs.length === 0) throw badRequest('"inputs" must hold at least one tensor');
  const inputs = wireInputs.map(declare);
  const { ordered, batch } = service.check(v, inputs);

  const raw = req.raw_input_contents ?? [];
  const isRaw = raw.length > 0;
  if (isRaw && raw.length !== inputs.length) {
    throw badRequest(`raw_input_contents holds ${raw.length} entries for ${inputs.length} inputs; give one per input, in the order of "inputs"`);
  }
  // check() matched every datatype against the config, so it is a known one from here on.
  const decoded = new Map<string, Tensor>();
  if (isRaw) {
    for (const input of inputs) if (input.wire.contents) throw badRequest(`input '${input.name}': "contents" must be empty when raw_input_contents is used`);
    const described = inputs.map((input, i) => ({ bytes: raw[i]!, datatype: input.datatype as Datatype, shape: input.shape, what: `input '${input.name}'` }));
    rawTensors(described, ownBuffer(req)).forEach(({ data, transfer }, i) => {
      const input = inputs[i]!;
      decoded.set(input.name, { name: input.name, datatype: input.datatype as Datatype, shape: input.shape, data, ...(transfer ? { transfer } : {}) });
    });
  } else {
    for (const input of inputs) {
      const datatype = input.datatype as Datatype;
      decoded.set(input.name, { name: input.name, datatype, shape: input.shape, data: fromContents(input.wire.contents, datatype, input.shape, `input '${input.name}'`) });
    }
  }

  const requested = (req.outputs ?? []).map((o, i) => {
    if (!o.name) throw badRequest(`outputs[${i}]: "name" must be given`);
    return o.name;
  });
  const names = requested.length > 0 ? requested : v.config.outputs.map((o) => o.name);
  if (new Set(names).size !== names.length) throw badRequest('an output is requested more than once');
  for (const n of names) {
    if (!v.config.outputs.some((s) => s.name === n)) throw badRequest(`unexpected inference output '${n}' for model '${v.model}'`);
  }
  const rawOut = boolParameter(req.parameters, 'binary_data_output') ?? isRaw;

  const result = await service.run(v, ordered.map((i) => decoded.get(i.name)!), batch);
  const tensors = names.map((n) => {
    const t = result.outputs.find((x) => x.name === n);
    if (!t) throw new HttpError('INTERNAL', `model did not produce output '${n}'`);
    return t;
  });
  const allRaw = rawOut || tensors.some((t) => t.datatype === 'FP16');
  const response: ModelInferResponse = {
    model_name: v.model,
    model_version: v.version,
    outputs: tensors.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      ...(allRaw ? {} : { contents: toContents(t.data, t.datatype) }),
    })),
    raw_output_contents: allRaw ? tensors.map((t) => toRaw(t.data)) : [],
  };
  if (req.id) response.id = req.id;
  service.succeeded(v, batch, result, startedAt);
  return response;
}
