/**
 * A small parser for the subset of protobuf text format used by Triton's `config.pbtxt`
 * (scalars, strings, enums, repeated fields, nested messages, `[...]` lists, `#` comments).
 * Why hand-written: the full format needs the .proto schema (protobufjs + Triton's
 * model_config.proto) to type its fields; the server reads a dozen fields and types them
 * itself in repository.ts, so a 100-line tokenizer is smaller than that dependency chain.
 */
export type PbValue = string | number | boolean | PbMessage;
/** Every field is kept as a list: text proto does not say which fields are repeated. */
export interface PbMessage {
  [field: string]: PbValue[];
}

export class PbtxtError extends Error {
  override readonly name = 'PbtxtError' as const;
}

type Token = { kind: 'ident' | 'number' | 'string' | 'punct'; text: string; pos: number };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|#[^\n]*|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)[fF]?)|([A-Za-z_][\w.]*)|([{}[\]:,;<>])/y;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new PbtxtError(`unexpected character ${JSON.stringify(src[pos])} at offset ${pos}`);
    if (m[1] !== undefined) tokens.push({ kind: 'string', text: m[1], pos });
    else if (m[2] !== undefined) tokens.push({ kind: 'number', text: m[2], pos });
    else if (m[3] !== undefined) tokens.push({ kind: 'ident', text: m[3], pos });
    else if (m[4] !== undefined) tokens.push({ kind: 'punct', text: m[4], pos });
    pos = re.lastIndex;
  }
  return tokens;
}

function unquote(text: string): string {
  const body = text.slice(1, -1);
  return body.replace(/\\(["'\\nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

function scalar(tok: Token): string | number | boolean {
  if (tok.kind === 'string') return unquote(tok.text);
  if (tok.kind === 'number') return Number(tok.text.replace(/[fF]$/, ''));
  if (tok.kind === 'ident') return tok.text === 'true' ? true : tok.text === 'false' ? false : tok.text;
  throw new PbtxtError(`expected a value at offset ${tok.pos}, got ${JSON.stringify(tok.text)}`);
}

export function parsePbtxt(src: string): PbMessage {
  const tokens = tokenize(src);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const next = (): Token => {
    const tok = tokens[i++];
    if (!tok) throw new PbtxtError('unexpected end of input');
    return tok;
  };
  const isPunct = (tok: Token | undefined, text: string): boolean => tok?.kind === 'punct' && tok.text === text;

  function message(close: string | undefined): PbMessage {
    const msg: PbMessage = {};
    for (;;) {
      const tok = peek();
      if (tok === undefined) {
        if (close !== undefined) throw new PbtxtError(`missing "${close}"`);
        return msg;
      }
      if (close !== undefined && isPunct(tok, close)) {
        i++;
        return msg;
      }
      if (isPunct(tok, ',') || isPunct(tok, ';')) {
        i++;
        continue;
      }
      const name = next();
      if (name.kind !== 'ident') throw new PbtxtError(`expected a field name at offset ${name.pos}`);
      const values = (msg[name.text] ??= []);
      if (isPunct(peek(), ':')) i++;
      values.push(...value());
    }
  }

  function value(): PbValue[] {
    const tok = next();
    if (isPunct(tok, '{')) return [message('}')];
    if (isPunct(tok, '<')) return [message('>')];
    if (isPunct(tok, '[')) {
      const list: PbValue[] = [];
      while (!isPunct(peek(), ']')) {
        if (isPunct(peek(), ',')) {
          i++;
          continue;
        }
        list.push(...value());
      }
      i++;
      return list;
    }
    return [scalar(tok)];
  }

  return message(undefined);
}
