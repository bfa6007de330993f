import type { BridgeLimits, Request, RequestType, WireError } from '../protocol.js';
import type { Reassembler } from '../wire/chunks.js';
import { PROTOCOL_VERSION } from '../wire/limits.js';

export type Parsed =
  | { kind: 'request'; request: Request }
  | { kind: 'partial' }
  /** `id` is set when the reply can be addressed. */
  | { kind: 'invalid'; id?: string; error: WireError };

const TYPES: ReadonlySet<string> = new Set<RequestType>(['load', 'predict', 'predictBatch', 'info', 'dispose', 'cancel']);
const MAX_ID_CHARS = 128;
// Reads the id of a message too long to parse, so the refusal can still be addressed.
const LEADING_ID = /"id"\s*:\s*"([^"\\]{1,128})"/;

const invalid = (reason: string, message: string, id?: string, extra: Record<string, unknown> = {}): Parsed => ({
  kind: 'invalid',
  ...(id === undefined ? {} : { id }),
  error: { code: 'INPUT_INVALID', message, details: { protocol: reason, ...extra } },
});

/**
 * One bridge string → a checked request, a partial chunk, or a refusal. Order matters: size before
 * parsing, version and id before the token (so a refusal can be addressed), the token before
 * anything is buffered or started.
 */
export function parseRequest(raw: unknown, token: string | undefined, limits: BridgeLimits, chunks: Reassembler): Parsed {
  if (typeof raw !== 'string') return invalid('type', `A bridge message must be a JSON string, got ${typeof raw}`);
  if (raw.length > limits.maxBridgeChars) {
    const id = LEADING_ID.exec(raw.slice(0, 512))?.[1];
    return invalid('size', `A bridge message of ${raw.length} characters exceeds the ${limits.maxBridgeChars}-character limit; send it in chunks`, id, {
      received: raw.length,
      limit: limits.maxBridgeChars,
    });
  }
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return invalid('json', 'The bridge message is not valid JSON');
  }
  return checkMessage(message, token, limits, chunks);
}

function checkMessage(message: unknown, token: string | undefined, limits: BridgeLimits, chunks: Reassembler): Parsed {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return invalid('shape', 'The bridge message must be a JSON object');
  const m = message as Record<string, unknown>;
  const id = typeof m['id'] === 'string' && m['id'].length > 0 && m['id'].length <= MAX_ID_CHARS ? m['id'] : undefined;
  if (m['v'] !== PROTOCOL_VERSION)
    return invalid('version', `Unsupported protocol version ${JSON.stringify(m['v'])}; this page speaks version 1`, id, { supported: [1] });
  if (id === undefined) return invalid('id', `"id" must be a non-empty string of at most ${MAX_ID_CHARS} characters`);
  if (token === undefined) return invalid('token', 'This page was started without a session token (window.__MODELSHIP_RN_TOKEN__); it accepts no requests', id);
  if (m['token'] !== token) return invalid('token', 'The session token does not match', id);
  if ('chunk' in m) {
    const outcome = chunks.add(id, m['chunk']);
    if (outcome.status === 'partial') return { kind: 'partial' };
    if (outcome.status === 'invalid') return invalid('chunk', outcome.reason, id);
    let whole: unknown;
    try {
      whole = JSON.parse(outcome.json);
    } catch {
      return invalid('json', 'The reassembled message is not valid JSON', id);
    }
    if (typeof whole === 'object' && whole !== null && 'chunk' in whole) return invalid('chunk', 'A reassembled message may not be a chunk', id);
    if ((whole as { id?: unknown } | null)?.id !== id) return invalid('chunk', 'The reassembled message has a different id than its chunks', id);
    return checkMessage(whole, token, limits, chunks);
  }
  if (typeof m['type'] !== 'string' || !TYPES.has(m['type'])) {
    return invalid('type', `Unknown request type ${JSON.stringify(m['type'])}; expected one of ${[...TYPES].join(', ')}`, id);
  }
  const payload = m['payload'] ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return invalid('payload', '"payload" must be an object', id);
  const problem = payloadProblem(m['type'] as RequestType, payload as Record<string, unknown>);
  if (problem) return invalid('payload', problem.message, id, { field: problem.field });
  return { kind: 'request', request: { v: PROTOCOL_VERSION, id, token, type: m['type'], payload } as Request };
}

function payloadProblem(type: RequestType, p: Record<string, unknown>): { field: string; message: string } | undefined {
  switch (type) {
    case 'load':
      if (typeof p['manifestUrl'] !== 'string' || p['manifestUrl'] === '')
        return { field: 'payload.manifestUrl', message: 'payload.manifestUrl must be a non-empty string' };
      if (p['options'] !== undefined && (typeof p['options'] !== 'object' || p['options'] === null || Array.isArray(p['options']))) {
        return { field: 'payload.options', message: 'payload.options must be an object' };
      }
      return undefined;
    case 'predict':
      return inputProblem(p['input'], 'payload.input');
    case 'predictBatch':
      if (!Array.isArray(p['inputs'])) return { field: 'payload.inputs', message: 'payload.inputs must be an array of inputs' };
      for (let i = 0; i < p['inputs'].length; i++) {
        const problem = inputProblem(p['inputs'][i], `payload.inputs[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    case 'cancel':
      return typeof p['target'] === 'string' && p['target'] !== ''
        ? undefined
        : { field: 'payload.target', message: 'payload.target must be the id of a call' };
    default:
      return undefined;
  }
}

function inputProblem(input: unknown, field: string): { field: string; message: string } | undefined {
  if (typeof input !== 'object' || input === null) return { field, message: `${field} must be { float32: base64 } or { image: data URL }` };
  const i = input as Record<string, unknown>;
  if (typeof i['float32'] === 'string') return undefined;
  if (typeof i['image'] === 'string')
    return i['image'].startsWith('data:image/') ? undefined : { field: `${field}.image`, message: `${field}.image must be a data:image/… URL` };
  return { field, message: `${field} must be { float32: base64 } or { image: data URL }` };
}
