import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, makeClientConstructor, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/**
 * The gRPC services, loaded at run time from the .proto files shipped in this package: one
 * source of truth with the specs, no generated code to keep in step.
 * - `open_inference_grpc.proto`: the Open Inference Protocol (KServe's, Apache-2.0);
 * - `triton_grpc_extensions.proto`: Triton's statistics and repository RPCs, which Triton puts in
 *   the same `inference.GRPCInferenceService` (loaded apart, merged into one service here);
 * - `health.proto`: `grpc.health.v1.Health`.
 */
const PROTO_DIR = join(findServerPackageRoot(dirname(fileURLToPath(import.meta.url))), 'proto');
export const PROTO_FILE = join(PROTO_DIR, 'open_inference_grpc.proto');
export const EXTENSIONS_PROTO_FILE = join(PROTO_DIR, 'triton_grpc_extensions.proto');
export const HEALTH_PROTO_FILE = join(PROTO_DIR, 'health.proto');

/**
 * keepCase: field names as in the spec (raw_input_contents). longs as strings: int64 shapes and
 * INT64/UINT64 contents keep every digit (converted with BigInt where exactness matters).
 * arrays: repeated fields are [] when absent, so a missing list and an empty one read the same.
 */
export const LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: false, arrays: true, oneofs: true };

export interface InferenceProto {
  /** The Open Inference Protocol's RPCs and Triton's extensions, under `inference.GRPCInferenceService`. */
  service: ServiceDefinition;
  /** The same service for the server: ModelInfer requests carry their size on the wire (`wireBytes`). */
  serverService: ServiceDefinition;
  Client: ServiceClientConstructor;
}

const WIRE_BYTES = Symbol('wireBytes');
const OWN_BUFFER = Symbol('ownBuffer');

/** Bytes the message had on the wire (0 when it was not decoded by `serverService`). */
export function wireBytes(message: object): number {
  return (message as { [WIRE_BYTES]?: number })[WIRE_BYTES] ?? 0;
}

/**
 * The ArrayBuffer the message was decoded from, when nothing else uses it: its `bytes` fields
 * (raw_input_contents) are views into it, so tensors can use them in place and the buffer can
 * be transferred to the model instance. undefined: the bytes may be shared; copy them.
 */
export function ownBuffer(message: object): ArrayBuffer | undefined {
  return (message as { [OWN_BUFFER]?: ArrayBuffer })[OWN_BUFFER];
}

/**
 * grpc-js gathers a message's DATA frames into one new buffer, the 5-byte gRPC frame header
 * followed by the message (stream-decoder.js: Buffer.concat, an ArrayBuffer of its own above
 * Node's 4 KiB pool threshold), hands the message's view to the deserializer and keeps nothing
 * once it is decoded (a compressed message is inflated into a buffer of its own, offset 0).
 * Only a view that is exactly that is claimed: it ends where its ArrayBuffer ends and either
 * starts at 0, or at 5 behind a frame header that states this very length. Anything else (a
 * pooled slice, another grpc-js layout) is copied, as are small messages (not worth it).
 */
function ownedBuffer(bytes: Buffer): ArrayBuffer | undefined {
  const buf = bytes.buffer;
  if (!(buf instanceof ArrayBuffer) || bytes.length <= 4096 || bytes.byteOffset + bytes.length !== buf.byteLength) return undefined;
  if (bytes.byteOffset === 0) return buf;
  if (bytes.byteOffset !== 5) return undefined;
  const header = new DataView(buf, 0, 5);
  return header.getUint8(0) <= 1 && header.getUint32(1) === bytes.length ? buf : undefined;
}

/**
 * grpc-js hands the handler a decoded message and nothing about its size. The request
 * deserializer is wrapped to note the byte length, which the body budget reserves, and the
 * buffer when the message owns it (`ownBuffer`).
 */
function withWireBytes(service: ServiceDefinition, methods: readonly string[]): ServiceDefinition {
  const out: Record<string, ServiceDefinition[string]> = { ...service };
  for (const m of methods) {
    const def = service[m];
    if (!def) continue;
    out[m] = {
      ...def,
      requestDeserialize: (bytes: Buffer) => {
        const message = def.requestDeserialize(bytes) as object;
        Object.defineProperty(message, WIRE_BYTES, { value: bytes.length });
        const own = ownedBuffer(bytes);
        if (own) Object.defineProperty(message, OWN_BUFFER, { value: own });
        return message;
      },
    };
  }
  return out;
}

let cached: InferenceProto | undefined;
let cachedHealth: { service: ServiceDefinition; Client: ServiceClientConstructor } | undefined;

function loadService(file: string, path: string[]): ServiceDefinition {
  let at: GrpcObject = loadPackageDefinition(loadSync(file, LOADER_OPTIONS));
  for (const p of path.slice(0, -1)) at = at[p] as GrpcObject;
  return (at[path[path.length - 1]!] as ServiceClientConstructor).service;
}

/** Parses the .proto files once per process (they are immutable, so sharing them is safe). */
export function inferenceProto(): InferenceProto {
  if (cached) return cached;
  const core = loadService(PROTO_FILE, ['inference', 'GRPCInferenceService']);
  const extensions = loadService(EXTENSIONS_PROTO_FILE, ['inference', 'GRPCInferenceService']);
  for (const m of Object.keys(extensions)) if (m in core) throw new Error(`gRPC method ${m} is defined twice`);
  const service: ServiceDefinition = { ...core, ...extensions };
  const Client = makeClientConstructor(service, 'inference.GRPCInferenceService');
  cached = { service, serverService: withWireBytes(service, ['ModelInfer']), Client };
  return cached;
}

/** `grpc.health.v1.Health`. */
export function healthProto(): { service: ServiceDefinition; Client: ServiceClientConstructor } {
  if (cachedHealth) return cachedHealth;
  const service = loadService(HEALTH_PROTO_FILE, ['grpc', 'health', 'v1', 'Health']);
  cachedHealth = { service, Client: makeClientConstructor(service, 'grpc.health.v1.Health') };
  return cachedHealth;
}

/** Sources (server/src/grpc) and bundled chunks (server/dist/chunks) sit at different depths. */
function findServerPackageRoot(start: string): string {
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === '@modelship/server') return dir;
    } catch {
      // no package.json here
    }
  }
  throw new Error(`@modelship/server: cannot find the package root above ${start} (needed for its proto/ folder)`);
}
