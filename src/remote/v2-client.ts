import type { TensorBuffer, TensorMap } from '../engine.js';
import { readBytes, readJson, send, type HttpCall } from './http.js';
import type { ExpectedTensor } from './tensor-check.js';
import type { RemoteTarget } from './types.js';
import { HEADER_LENGTH, encodeBinaryBody, splitBinaryBody } from './v2-binary.js';
import { readInferResponse } from './v2-response.js';
import type { V2InferenceRequest } from './v2-wire.js';

/** Open Inference Protocol (KServe V2) REST client: specs/inference_rest.md. */

export interface InferCall {
  id: string;
  inputs: Record<string, TensorBuffer>;
  outputs: ExpectedTensor[];
  /** The binary tensor data extension both ways, instead of JSON numbers. */
  binary: boolean;
  headers?: Record<string, string>;
  signal: AbortSignal;
}

export function v2ModelUrl(target: RemoteTarget): string {
  const version = target.version === undefined ? '' : `/versions/${encodeURIComponent(target.version)}`;
  return `${target.baseUrl}/v2/models/${encodeURIComponent(target.model)}${version}`;
}

export async function v2Infer(target: RemoteTarget, call: InferCall): Promise<TensorMap> {
  const url = `${v2ModelUrl(target)}/infer`;
  const inputs = Object.entries(call.inputs);
  const request: V2InferenceRequest = { id: call.id, inputs: [], outputs: [] };
  let http: HttpCall;
  if (call.binary) {
    request.parameters = { binary_data_output: true };
    request.inputs = inputs.map(([name, t]) => ({ name, shape: t.dims, datatype: 'FP32', parameters: { binary_data_size: t.data.byteLength } }));
    request.outputs = call.outputs.map(({ name }) => ({ name, parameters: { binary_data: true } }));
    const { body, headerLength } = encodeBinaryBody(request, inputs.map(([, t]) => t.data));
    const headers = { ...call.headers, 'Content-Type': 'application/octet-stream', [HEADER_LENGTH]: String(headerLength) };
    http = { method: 'POST', url, headers, body, signal: call.signal };
  } else {
    request.inputs = inputs.map(([name, t]) => ({ name, shape: t.dims, datatype: 'FP32', data: Array.from(t.data) }));
    request.outputs = call.outputs.map(({ name }) => ({ name }));
    const headers = { ...call.headers, 'Content-Type': 'application/json' };
    http = { method: 'POST', url, headers, body: JSON.stringify(request), signal: call.signal };
  }
  const response = await send(target, http);
  const bytes = await readBytes(response, http);
  const { json, binary } = splitBinaryBody(url, bytes, response.headers.get(HEADER_LENGTH));
  return readInferResponse(url, json, binary, call.id, call.outputs);
}

/** GET /v2/health/ready: a 2xx answer is ready; `{"ready": false}` is not. */
export async function v2ServerReady(target: RemoteTarget, signal: AbortSignal): Promise<boolean> {
  const call: HttpCall = { method: 'GET', url: `${target.baseUrl}/v2/health/ready`, signal };
  const bytes = await readBytes(await send(target, call), call);
  try {
    return (JSON.parse(new TextDecoder().decode(bytes)) as { ready?: unknown } | null)?.ready !== false;
  } catch {
    return true; // The spec's body for this probe is loose (it even shows `live`); the status is what counts.
  }
}

export async function v2ModelMetadata(target: RemoteTarget, signal: AbortSignal): Promise<unknown> {
  const call: HttpCall = { method: 'GET', url: v2ModelUrl(target), signal };
  return readJson(await send(target, call), call);
}
