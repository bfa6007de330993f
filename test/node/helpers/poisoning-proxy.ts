import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Sits in front of the real reference server and, once `poison` is set, rewrites every inference
 * answer's values to it: NaN/±Infinity in the V2 binary section, `1e999`/`-1e999` in JSON (which
 * parse to ±Infinity). Everything else (health, metadata, the shape fields) passes as it came.
 */
export async function startPoisoningProxy(target: string) {
  const state: { poison: number | undefined } = { poison: undefined };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'inference-header-content-length']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${target}${request.url}`, { method: request.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    let body: Buffer = Buffer.from(await upstream.arrayBuffer());
    const out: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/json' };
    const headerLength = upstream.headers.get('inference-header-content-length');
    const inference = /\/infer$|:predict$/.test(request.url ?? '');
    if (state.poison !== undefined && inference && upstream.ok) body = poisonBody(body, headerLength, state.poison, request.url!.endsWith(':predict'));
    if (headerLength !== null) out['inference-header-content-length'] = headerLength;
    response.writeHead(upstream.status, out).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get poison() {
      return state.poison;
    },
    set poison(value: number | undefined) {
      state.poison = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MARK = '"__POISON__"';

function poisonBody(body: Buffer, headerLength: string | null, value: number, tfServing: boolean): Buffer {
  if (headerLength !== null) {
    const split = Number(headerLength);
    const binary = new Float32Array(new Uint8Array(body.subarray(split)).buffer).fill(value);
    return Buffer.concat([body.subarray(0, split), Buffer.from(binary.buffer)]);
  }
  const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const mark = (v: unknown): unknown => (typeof v === 'number' ? '__POISON__' : Array.isArray(v) ? v.map(mark) : v);
  if (tfServing) {
    for (const key of ['outputs', 'predictions']) if (key in json) json[key] = mark(json[key]);
  } else {
    for (const output of json['outputs'] as Array<{ data: unknown }>) output.data = mark(output.data);
  }
  const literal = Number.isNaN(value) ? 'NaN' : value > 0 ? '1e999' : '-1e999';
  return Buffer.from(JSON.stringify(json).split(MARK).join(literal));
}
