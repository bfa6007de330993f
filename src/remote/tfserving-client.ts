import type { TensorBuffer, TensorMap } from '../engine.js';
import { malformed, readJson, send, type HttpCall } from './http.js';
import { checkTensor, flattenNumbers, nest, nestedShape, type ExpectedTensor } from './tensor-check.js';
import type { RemoteTarget } from './types.js';

/** TensorFlow Serving REST API (tensorflow.org/tfx/serving/api_rest): predict and model status. */

export interface PredictCall {
  inputs: Record<string, TensorBuffer>;
  outputs: ExpectedTensor[];
  /** Columnar `inputs` → `outputs`, or row `instances` → `predictions`. */
  format: 'columnar' | 'row';
  headers?: Record<string, string>;
  signal: AbortSignal;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function tfModelUrl(target: RemoteTarget): string {
  const version = target.version === undefined ? '' : `/versions/${encodeURIComponent(target.version)}`;
  return `${target.baseUrl}/v1/models/${encodeURIComponent(target.model)}${version}`;
}

export async function tfPredict(target: RemoteTarget, call: PredictCall): Promise<TensorMap> {
  const url = `${tfModelUrl(target)}:predict`;
  const body = call.format === 'row' ? { instances: rows(call.inputs) } : { inputs: columns(call.inputs) };
  const http: HttpCall = {
    method: 'POST',
    url,
    headers: { ...call.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: call.signal,
  };
  const json = await readJson(await send(target, http), http);
  if (!isObject(json)) throw malformed(url, 'the response is not a JSON object');
  const result: TensorMap = {};
  for (const want of call.outputs) {
    const value = call.format === 'row' ? fromPredictions(url, json.predictions, want, call.outputs.length) : fromOutputs(url, json.outputs, want, call.outputs.length);
    const what = `output '${want.name}'`;
    result[want.name] = checkTensor(url, want, nestedShape(url, what, value), flattenNumbers(url, what, value));
  }
  return result;
}

function columns(inputs: Record<string, TensorBuffer>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, nest(t.data, t.dims)]));
}

/** One instance per batch item: the bare tensor for a single input, else an object of named tensors. */
function rows(inputs: Record<string, TensorBuffer>): unknown[] {
  const named = Object.entries(inputs).map(([name, t]) => [name, nest(t.data, t.dims) as unknown[]] as const);
  const batch = named[0]?.[1].length ?? 0;
  return Array.from({ length: batch }, (_, i) => (named.length === 1 ? named[0]![1][i] : Object.fromEntries(named.map(([n, v]) => [n, v[i]]))));
}

// A model with one output answers with the bare tensor; with several, an object keyed by name.
function fromOutputs(url: string, outputs: unknown, want: ExpectedTensor, count: number): unknown {
  if (outputs === undefined) throw malformed(url, 'the response has no "outputs"');
  if (isObject(outputs)) {
    if (!(want.name in outputs)) throw malformed(url, `the response has no output '${want.name}'`);
    return outputs[want.name];
  }
  if (count !== 1) throw malformed(url, `the response's "outputs" is not keyed by output name`);
  return outputs;
}

function fromPredictions(url: string, predictions: unknown, want: ExpectedTensor, count: number): unknown[] {
  if (!Array.isArray(predictions)) throw malformed(url, 'the response has no "predictions" array');
  return predictions.map((p: unknown) => {
    if (isObject(p)) {
      if (!(want.name in p)) throw malformed(url, `a prediction has no output '${want.name}'`);
      return p[want.name];
    }
    if (count !== 1) throw malformed(url, 'a prediction is not keyed by output name');
    return p;
  });
}

/** GET /v1/models/{model}: ready when some version is AVAILABLE. */
export async function tfModelAvailable(target: RemoteTarget, signal: AbortSignal): Promise<boolean> {
  const call: HttpCall = { method: 'GET', url: tfModelUrl(target), signal };
  const json = await readJson(await send(target, call), call);
  const versions = isObject(json) ? json.model_version_status : undefined;
  if (!Array.isArray(versions)) throw malformed(call.url, 'the model status has no "model_version_status"');
  return versions.some((v: unknown) => isObject(v) && v.state === 'AVAILABLE');
}
