import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/**
 * The Open Inference Protocol's gRPC service, loaded at run time from the .proto shipped in this
 * package (`proto/open_inference_grpc.proto`, KServe's, Apache-2.0): one source of truth with the
 * spec, no generated code to keep in step.
 */
export const PROTO_FILE = join(findServerPackageRoot(dirname(fileURLToPath(import.meta.url))), 'proto', 'open_inference_grpc.proto');

/**
 * keepCase: field names as in the spec (raw_input_contents). longs as strings: int64 shapes and
 * INT64/UINT64 contents keep every digit (converted with BigInt where exactness matters).
 * arrays: repeated fields are [] when absent, so a missing list and an empty one read the same.
 */
export const LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: false, arrays: true, oneofs: true };

export interface InferenceProto {
  service: ServiceDefinition;
  /** The same service for the server: ModelInfer requests carry their size on the wire (`wireBytes`). */
  serverService: ServiceDefinition;
  Client: ServiceClientConstructor;
}

const WIRE_BYTES = Symbol('wireBytes');

/** Bytes the message had on the wire (0 when it was not decoded by `serverService`). */
export function wireBytes(message: object): number {
  return (message as { [WIRE_BYTES]?: number })[WIRE_BYTES] ?? 0;
}

/**
 * grpc-js hands the handler a decoded message and nothing about its size. The request
 * deserializer is wrapped to note the byte length, which the body budget reserves (decoding a
 * raw tensor copies it, so the message's bytes are held twice while the request is served).
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
        return message;
      },
    };
  }
  return out;
}

let cached: InferenceProto | undefined;

/** Parses the .proto once per process (it is immutable, so sharing it is safe). */
export function inferenceProto(): InferenceProto {
  if (cached) return cached;
  const pkg = loadPackageDefinition(loadSync(PROTO_FILE, LOADER_OPTIONS));
  const Client = (pkg.inference as GrpcObject).GRPCInferenceService as ServiceClientConstructor;
  cached = { service: Client.service, serverService: withWireBytes(Client.service, ['ModelInfer']), Client };
  return cached;
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
  throw new Error(`@modelship/server: cannot find the package root above ${start} (needed for proto/open_inference_grpc.proto)`);
}
