import { malformed } from './http.js';

/**
 * Triton's binary tensor data extension (server docs/protocol/extension_binary_data.md): the
 * body is the JSON object followed by each binary tensor's raw little-endian bytes, in the order
 * the JSON lists them; `Inference-Header-Content-Length` gives the JSON's length in bytes.
 */
export const HEADER_LENGTH = 'Inference-Header-Content-Length';

const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

export function encodeBinaryBody(header: unknown, tensors: Float32Array[]): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const size = tensors.reduce((sum, t) => sum + t.byteLength, json.length);
  const body = new Uint8Array(new ArrayBuffer(size));
  body.set(json);
  let offset = json.length;
  for (const tensor of tensors) {
    body.set(littleEndianBytes(tensor), offset);
    offset += tensor.byteLength;
  }
  return { body, headerLength: json.length };
}

/** Splits a response into its JSON object and the binary section after it. */
export function splitBinaryBody(url: string, bytes: Uint8Array, headerLength: string | null): { json: unknown; binary: Uint8Array } {
  let jsonLength = bytes.length;
  if (headerLength !== null) {
    jsonLength = Number(headerLength.trim());
    if (!/^\d+$/.test(headerLength.trim()) || jsonLength > bytes.length) {
      throw malformed(url, `${HEADER_LENGTH} ${JSON.stringify(headerLength)} does not fit a ${bytes.length}-byte body`);
    }
  }
  const text = new TextDecoder().decode(bytes.subarray(0, jsonLength));
  try {
    return { json: JSON.parse(text), binary: bytes.subarray(jsonLength) };
  } catch (cause) {
    // In a browser a binary body arrives without the length header when the server's CORS
    // policy does not expose it: say so, or this reads like a broken server.
    const hint = headerLength === null ? ` (no ${HEADER_LENGTH} header: if it sent binary tensors, it must expose that header to CORS)` : '';
    throw malformed(url, `the response is not JSON${hint}`, { cause });
  }
}

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** Copies, because a section of the body need not start on a 4-byte boundary. */
export function float32FromLittleEndian(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
