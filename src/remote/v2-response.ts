import type { TensorMap } from '../engine.js';
import { malformed } from './http.js';
import { checkTensor, flattenNumbers, type ExpectedTensor } from './tensor-check.js';
import { float32FromLittleEndian } from './v2-binary.js';
import type { V2ResponseOutput } from './v2-wire.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads an inference response into the expected outputs, refusing anything that does not
 * match: another request's id, a missing output, a datatype other than FP32, a wrong shape,
 * binary sections that do not add up to the bytes that came.
 */
export function readInferResponse(url: string, json: unknown, binary: Uint8Array, id: string, expected: ExpectedTensor[]): TensorMap {
  if (!isObject(json) || !Array.isArray(json.outputs)) throw malformed(url, 'the response has no "outputs" array');
  // The spec obliges a server to echo the id; another id means another request's answer.
  if (json.id !== id) {
    throw malformed(url, `the response is for request ${JSON.stringify(json.id)}, not ${JSON.stringify(id)}`, {
      details: { requestId: id, responseId: json.id },
    });
  }
  const data = outputData(url, json.outputs as unknown[], binary);
  const result: TensorMap = {};
  for (const want of expected) {
    const matches = (json.outputs as V2ResponseOutput[]).filter((o) => o.name === want.name);
    if (matches.length !== 1) throw malformed(url, `the response has ${matches.length} outputs named '${want.name}'; expected 1`);
    const output = matches[0]!;
    if (output.datatype !== 'FP32') throw malformed(url, `output '${want.name}' is ${String(output.datatype)}; expected FP32`);
    result[want.name] = checkTensor(url, want, output.shape, data.get(output)!);
  }
  return result;
}

/** Each output's values, from its JSON `data` or its slice of the binary section (in JSON order). */
function outputData(url: string, outputs: unknown[], binary: Uint8Array): Map<V2ResponseOutput, Float32Array> {
  const data = new Map<V2ResponseOutput, Float32Array>();
  let offset = 0;
  for (const output of outputs) {
    if (!isObject(output) || typeof output.name !== 'string') throw malformed(url, 'an output has no name');
    const what = `output '${output.name}'`;
    const size = isObject(output.parameters) ? output.parameters.binary_data_size : undefined;
    if (size === undefined) {
      data.set(output as unknown as V2ResponseOutput, flattenNumbers(url, what, output.data));
      continue;
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || offset + size > binary.length) {
      throw malformed(url, `${what} claims ${String(size)} binary bytes; ${binary.length - offset} are left`);
    }
    if (output.datatype === 'FP32' && size % 4 !== 0) throw malformed(url, `${what}: ${size} bytes is not a whole number of FP32 values`);
    // Only FP32 is decoded; other datatypes are refused by the caller, but their bytes still count.
    data.set(output as unknown as V2ResponseOutput, output.datatype === 'FP32' ? float32FromLittleEndian(binary.subarray(offset, offset + size)) : new Float32Array(0));
    offset += size;
  }
  if (offset !== binary.length) throw malformed(url, `${binary.length - offset} bytes of binary data belong to no output`);
  return data;
}
