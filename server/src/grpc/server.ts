import { Server, ServerCredentials, status as Status, type handleUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError, isHttpError } from '../errors.js';
import type { BodyLimits } from '../http.js';
import type { InferenceService } from '../inference.js';
import type { ServerMetrics } from '../metrics.js';
import * as v2 from '../v2.js';
import * as repositoryApi from '../v2-repository.js';
import { createHealthService } from './health.js';
import { modelInfer } from './infer.js';
import type { ModelInferRequest, ModelMetadataResponse, ModelRef, RepositoryIndexRequest, RepositoryModelRequest, ServerMetadataResponse } from './messages.js';
import { healthProto, inferenceProto } from './proto.js';
import { toServiceError } from './status.js';
import { widenFlowControlWindows } from './window.js';

export interface GrpcContext {
  service: InferenceService;
  metrics: ServerMetrics | undefined;
  /** The REST server's bearer check, fed the `authorization` metadata entry. */
  authorize: (req: { headers: IncomingHttpHeaders }) => void;
  version: string;
  /** Largest message accepted; a larger one is refused with RESOURCE_EXHAUSTED by grpc-js. */
  maxMessageBytes: number;
  /** The REST server's limits: ModelInfer messages reserve their bytes in the same shared budget. */
  body: BodyLimits;
  isClosing: () => boolean;
  isReady: () => boolean;
}

export interface GrpcInferenceServer {
  readonly server: Server;
  /** Resolves with `host:port`; port 0 picks a free port. */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting calls and lets running ones finish, cutting them after `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * `inference.GRPCInferenceService` (Open Inference Protocol) over @grpc/grpc-js. Health RPCs
 * are open, like /v2/health/* over REST (probes carry no token); every other RPC needs the
 * bearer token when the server has one.
 */
export function createGrpcServer(ctx: GrpcContext): GrpcInferenceServer {
  const unary = <Req, Res>(method: string, open: boolean, fn: (req: Req) => Res | Promise<Res>): handleUnaryCall<Req, Res> =>
    (call, callback) => {
      let out: Promise<Res>;
      try {
        if (ctx.isClosing()) throw new HttpError('NOT_READY', 'server is shutting down');
        if (!open) {
          const auth = call.metadata.get('authorization')[0];
          ctx.authorize({ headers: { authorization: typeof auth === 'string' ? auth : undefined } });
        }
        out = Promise.resolve(fn(call.request));
      } catch (err) {
        out = Promise.reject(err);
      }
      out.then(
        (res) => {
          ctx.metrics?.grpc(method, Status[Status.OK]);
          callback(null, res);
        },
        (err: unknown) => {
          // Counted like REST's: queue rejections by the inference service, the byte budget here.
          if (isHttpError(err) && err.overload === 'body_memory') ctx.metrics?.rejected('body_memory');
          const e = toServiceError(err);
          ctx.metrics?.grpc(method, Status[e.code ?? Status.UNKNOWN] ?? 'UNKNOWN');
          callback(e, null);
        },
      );
    };

  const repo = ctx.service.repository;
  const implementation: UntypedServiceImplementation = {
    ServerLive: unary('ServerLive', true, () => ({ live: true })),
    ServerReady: unary('ServerReady', true, () => ({ ready: ctx.isReady() })),
    ModelReady: unary('ModelReady', false, (r: ModelRef) => ({ ready: v2.modelReady(repo, required(r.name), r.version || undefined).ready })),
    ServerMetadata: unary('ServerMetadata', false, () => v2.serverMetadata(ctx.version) as ServerMetadataResponse),
    ModelMetadata: unary('ModelMetadata', false, (r: ModelRef) => v2.modelMetadata(repo, required(r.name), r.version || undefined) as ModelMetadataResponse),
    ModelInfer: unary('ModelInfer', false, (r: ModelInferRequest) => modelInfer(ctx.service, r, ctx.body)),
    // Triton's extensions (proto/triton_grpc_extensions.proto) over the REST handlers' logic.
    ModelStatistics: unary('ModelStatistics', false, (r: ModelRef) => {
      if (!r.name && r.version) throw new HttpError('BAD_REQUEST', '"version" needs a model "name"');
      return ctx.service.stats(r.name || undefined, r.version || undefined);
    }),
    RepositoryIndex: unary('RepositoryIndex', false, async (r: RepositoryIndexRequest) => {
      singleRepository(r.repository_name);
      return { models: await repositoryApi.index(repo, r.ready === true) };
    }),
    RepositoryModelLoad: unary('RepositoryModelLoad', false, async (r: RepositoryModelRequest) => {
      singleRepository(r.repository_name);
      await repositoryApi.control(repo, r.model_name ?? '', 'load', Object.keys(r.parameters ?? {}));
      return {};
    }),
    RepositoryModelUnload: unary('RepositoryModelUnload', false, async (r: RepositoryModelRequest) => {
      singleRepository(r.repository_name);
      await repositoryApi.control(repo, r.model_name ?? '', 'unload', Object.keys(r.parameters ?? {}));
      return {};
    }),
  };

  // channelz (grpc-js's per-call and per-socket introspection, on by default) is off: this server
  // does not expose the channelz service, and its per-call tracking cost ~2% of a call's time.
  const server = new Server({ 'grpc.max_receive_message_length': ctx.maxMessageBytes, 'grpc.enable_channelz': 0 });
  server.addService(inferenceProto().serverService, implementation);
  const health = createHealthService({ repository: repo, isReady: ctx.isReady, isClosing: ctx.isClosing });
  server.addService(healthProto().service, health.implementation);

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const shown = host.includes(':') ? `[${host}]` : host;
        server.bindAsync(`${shown}:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
          if (err) return reject(err);
          widenFlowControlWindows(server);
          resolve(`${shown}:${bound}`);
        });
      }),
    close: (timeoutMs) =>
      new Promise((resolve) => {
        // Watch streams never end on their own: they hear NOT_SERVING and end, so the shutdown is not held up.
        health.endWatches();
        const timer = setTimeout(() => server.forceShutdown(), timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** This server has one repository, which has no name: a named one is not here. */
function singleRepository(name: string | undefined): void {
  if (name) throw new HttpError('BAD_REQUEST', `unknown repository ${JSON.stringify(name)}: this server serves one model repository (leave repository_name empty)`);
}

function required(name: string | undefined): string {
  if (!name) throw new HttpError('BAD_REQUEST', '"name" must be given');
  return name;
}
