import type { IncomingHttpHeaders } from 'node:http';
import { badRequest } from './errors.js';
import type { BodyParts } from './http.js';
import { parseJson } from './json.js';

/**
 * Triton's binary tensor data extension (docs/protocol/extension_binary_data.md): the body is
 * a JSON object followed by raw little-endian tensor bytes, in the order of the JSON's inputs
 * (or outputs) that carry `parameters.binary_data_size`. `Inference-Header-Content-Length`
 * gives the JSON length; Content-Length stays the whole body.
 */
export const HEADER_LENGTH = 'inference-header-content-length';

export interface SplitBody {
  json: unknown;
  /** Bytes after the JSON object (empty for a plain JSON body). */
  binary: Buffer;
}

/**
 * The JSON header's length from Inference-Header-Content-Length, or Infinity without one: the
 * whole body is JSON. Read before the body (`readBodyParts` splits there; an invalid value is
 * refused after the body, inside the model's accounting, by `splitBody`).
 */
export function headerLength(headers: IncomingHttpHeaders): number {
  const raw = headers[HEADER_LENGTH];
  if (raw === undefined) return Infinity;
  const text = Array.isArray(raw) ? raw[0] ?? '' : raw;
  if (!/^\d+$/.test(text.trim())) throw badRequest(`invalid Inference-Header-Content-Length: ${JSON.stringify(text)}`);
  return Number(text);
}

/** `headerLength` for splitting the read: an invalid header splits nowhere (`splitBody` refuses it). */
export function headerLengthOrAll(headers: IncomingHttpHeaders): number {
  try {
    return headerLength(headers);
  } catch {
    return Infinity;
  }
}

/** Parses the JSON header of a body read by `readBodyParts(…, headerLengthOrAll(headers))`. */
export function splitBody(parts: BodyParts, headers: IncomingHttpHeaders): SplitBody {
  const jsonLength = headerLength(headers);
  if (Number.isFinite(jsonLength) && parts.head.length < jsonLength) {
    throw badRequest(`Inference-Header-Content-Length ${jsonLength} exceeds the body length ${parts.head.length + parts.tail.length}`);
  }
  // The read was split at jsonLength (readBodyParts), so head is the JSON and tail the tensors.
  return { json: parseJson(parts.head, 'request body'), binary: parts.tail };
}

/** Hands out consecutive slices of the binary section and checks that all of it was used. */
export class BinaryCursor {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  take(size: number, what: string): Buffer {
    if (!Number.isSafeInteger(size) || size < 0) throw badRequest(`${what}: binary_data_size must be a non-negative integer`);
    if (this.offset + size > this.bytes.length) {
      throw badRequest(`${what}: binary_data_size ${size} exceeds the ${this.bytes.length - this.offset} binary bytes left in the body`);
    }
    const out = this.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return out;
  }

  finish(): void {
    const left = this.bytes.length - this.offset;
    if (left !== 0) throw badRequest(`${left} bytes of binary data in the body are not claimed by any input's binary_data_size`);
  }
}

export interface EncodedResponse {
  body: Buffer;
  headers: Record<string, string>;
}

/** JSON header + binary sections; plain JSON (application/json) when there is no binary part. */
export function encodeResponse(json: unknown, binaries: Buffer[]): EncodedResponse {
  const header = Buffer.from(JSON.stringify(json));
  if (binaries.length === 0) {
    return { body: header, headers: { 'Content-Type': 'application/json', 'Content-Length': String(header.length) } };
  }
  const body = Buffer.concat([header, ...binaries]);
  return {
    body,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(header.length),
      'Content-Length': String(body.length),
    },
  };
}
