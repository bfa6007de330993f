import { badRequest } from './errors.js';

/** Deeper nesting than any tensor needs (rank ≤ 8 plus the request's own objects). */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * JSON.parse with a nesting limit checked first. V8 parses 200,000 nested arrays fine, but every
 * recursive walk of the result afterwards (tensor decoding, stringify) overflows the stack, which
 * would answer 500; one linear scan of the bytes (outside strings) refuses it with 400 instead.
 */
export function parseJson(body: Uint8Array, what: string, end = body.length, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < end; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) throw badRequest(`malformed JSON in ${what}: nested deeper than ${maxDepth} levels`);
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, end).toString('utf8'));
  } catch (err) {
    throw badRequest(`malformed JSON in ${what}: ${(err as Error).message}`);
  }
}
