import { status as Status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ModelRepository } from '../repository.js';

/**
 * `grpc.health.v1.Health` (proto/health.proto): what Kubernetes' gRPC probes, grpc_health_probe
 * and service meshes call. Service names:
 * - `""` and `inference.GRPCInferenceService`: the server, SERVING when /v2/health/ready would
 *   answer 200 (every model loaded and ready, not shutting down);
 * - `<model>`: its default (latest) version; `<model>/<version>`: that version. SERVING while
 *   the version is ready, which needs a live instance (instances/supervisor.ts marks it unready
 *   while every instance is dead and restarting).
 * Open like the REST health endpoints: probes carry no token.
 */
export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface HealthSource {
  repository: ModelRepository;
  isReady: () => boolean;
  isClosing: () => boolean;
}

const SERVER_NAMES = ['', 'inference.GRPCInferenceService'];
/** The health protocol's cap on List. */
const LIST_LIMIT = 100;
/** Watch re-reads the status this often: the repository has no change events, and a read is a few map lookups. */
const WATCH_EVERY_MS = 200;

export function servingStatus(src: HealthSource, service: string): ServingStatus {
  if (SERVER_NAMES.includes(service)) return src.isReady() ? 'SERVING' : 'NOT_SERVING';
  const slash = service.lastIndexOf('/');
  const name = slash === -1 ? service : service.slice(0, slash);
  const model = src.repository.models.get(name);
  if (!model) return 'SERVICE_UNKNOWN';
  const version = slash === -1 ? model.versions[model.versions.length - 1] : model.versions.find((v) => v.version === service.slice(slash + 1));
  if (!version) return 'SERVICE_UNKNOWN';
  return !src.isClosing() && version.state === 'ready' ? 'SERVING' : 'NOT_SERVING';
}

/** Every service name this server answers for, server first. */
function serviceNames(repo: ModelRepository): string[] {
  const names = [...SERVER_NAMES];
  for (const m of repo.models.values()) {
    names.push(m.name);
    for (const v of m.versions) names.push(`${m.name}/${v.version}`);
  }
  return names;
}

export interface HealthService {
  implementation: UntypedServiceImplementation;
  /** Sends NOT_SERVING to every Watch and ends it (shutdown), so the server can close. */
  endWatches(): void;
}

export function createHealthService(src: HealthSource): HealthService {
  const watches = new Set<() => void>();

  const Check = (call: ServerUnaryCall<{ service?: string }, unknown>, callback: sendUnaryData<unknown>): void => {
    const service = call.request.service ?? '';
    const status = servingStatus(src, service);
    if (status === 'SERVICE_UNKNOWN') callback({ code: Status.NOT_FOUND, details: `unknown service ${JSON.stringify(service)}` }, null);
    else callback(null, { status });
  };

  const List = (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
    const names = serviceNames(src.repository);
    if (names.length > LIST_LIMIT) {
      callback({ code: Status.RESOURCE_EXHAUSTED, details: `${names.length} services, more than the ${LIST_LIMIT} List may return; Check them one by one` }, null);
      return;
    }
    callback(null, { statuses: Object.fromEntries(names.map((n) => [n, { status: servingStatus(src, n) }])) });
  };

  const Watch = (call: ServerWritableStream<{ service?: string }, unknown>): void => {
    const service = call.request.service ?? '';
    let last: ServingStatus | undefined;
    const send = (): void => {
      const now = servingStatus(src, service);
      if (now === last) return;
      last = now;
      call.write({ status: now });
    };
    const timer = setInterval(send, WATCH_EVERY_MS);
    const stop = (): void => {
      clearInterval(timer);
      watches.delete(end);
    };
    const end = (): void => {
      stop();
      if (last !== 'NOT_SERVING') call.write({ status: 'NOT_SERVING' });
      call.end();
    };
    watches.add(end);
    call.on('cancelled', stop);
    call.on('close', stop);
    send();
  };

  return {
    implementation: { Check, List, Watch } as UntypedServiceImplementation,
    endWatches: () => {
      for (const end of [...watches]) end();
    },
  };
}
