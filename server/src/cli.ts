#!/usr/bin/env node
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { feedbackCli } from './feedback/cli.js';
import { createServer } from './server.js';
import type { ServerOptions } from './options.js';

const USAGE = `usage: modelship serve [models-dir] [--port N] [--host H] [--token T] [--no-batching]
                       [--max-batch N] [--max-queue-delay-us N] [--coop-coep] [--threads N] [--instances N]
                       [--graph-optimization disabled|basic|extended|all] [--grpc-port N | --no-grpc]
                       [--repository-poll-secs N] [--max-buffered-bytes N]
  models-dir   Triton-layout model repository (default: <package>/models/repository)
  --port       default $PORT or 8080      --host   default 127.0.0.1
  --token      bearer token for /v1, /v2 and /feedback (default $MODELSHIP_TOKEN)
  --grpc-port  Open Inference Protocol gRPC, default $GRPC_PORT or 8001 (Triton's); --no-grpc: none
  --data-dir   keep feedback (POST /feedback) in DIR/feedback/<model>.jsonl; without it /feedback is off
       modelship feedback export --model NAME [--data-dir DIR] [--out DIR]`;

export interface CliConfig {
  port: number;
  /** undefined: no gRPC listener (--no-grpc). */
  grpcPort: number | undefined;
  host: string;
  options: ServerOptions;
}

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError' as const;
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliUsageError(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

const GRAPH_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
const isGraphLevel = (v: string): v is (typeof GRAPH_LEVELS)[number] => (GRAPH_LEVELS as readonly string[]).includes(v);

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'no-batching': { type: 'boolean' },
      'max-batch': { type: 'string' },
      'max-queue-delay-us': { type: 'string' },
      'coop-coep': { type: 'boolean' },
      threads: { type: 'string' },
      instances: { type: 'string' },
      'graph-optimization': { type: 'string' },
      'data-dir': { type: 'string' },
      'grpc-port': { type: 'string' },
      'no-grpc': { type: 'boolean' },
      'repository-poll-secs': { type: 'string' },
      'max-buffered-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new CliUsageError(USAGE);
  const [command, dir, ...extra] = positionals;
  if (command !== 'serve' || extra.length > 0) throw new CliUsageError(USAGE);
  const port = int(values.port ?? env.PORT, '--port') ?? 8080;
  if (port > 65535) throw new CliUsageError('--port must be at most 65535');
  const grpcPort = values['no-grpc'] ? undefined : int(values['grpc-port'] ?? env.GRPC_PORT, '--grpc-port') ?? 8001;
  if (grpcPort !== undefined && grpcPort > 65535) throw new CliUsageError('--grpc-port must be at most 65535');
  const options: ServerOptions = {
    crossOriginIsolation: values['coop-coep'] ?? false,
    log: (m) => console.error(m),
  };
  if (dir !== undefined) options.modelRepository = resolve(dir);
  const token = values.token ?? env.MODELSHIP_TOKEN;
  if (token) options.token = token;
  if (values['no-batching']) options.batching = false;
  if (values['data-dir'] !== undefined) options.feedback = { dataDir: resolve(values['data-dir']) };
  const maxBatch = int(values['max-batch'], '--max-batch');
  if (maxBatch !== undefined) options.maxBatchSize = maxBatch;
  const delay = int(values['max-queue-delay-us'], '--max-queue-delay-us');
  if (delay !== undefined) options.maxQueueDelayUs = delay;
  const instances = int(values.instances, '--instances');
  if (instances !== undefined) options.instances = Math.max(1, instances);
  const threads = int(values.threads, '--threads');
  if (threads !== undefined) options.intraOpNumThreads = threads;
  const poll = int(values['repository-poll-secs'], '--repository-poll-secs');
  if (poll !== undefined) options.repositoryPollSecs = poll;
  const buffered = int(values['max-buffered-bytes'], '--max-buffered-bytes');
  if (buffered !== undefined) options.maxBufferedBodyBytes = buffered;
  const level = values['graph-optimization'];
  if (level !== undefined) {
    if (!isGraphLevel(level)) throw new CliUsageError(`--graph-optimization must be disabled, basic, extended or all, got ${JSON.stringify(level)}`);
    options.graphOptimizationLevel = level;
  }
  return { port, grpcPort, host: values.host ?? '127.0.0.1', options };
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'feedback') {
    process.exitCode = feedbackCli(argv.slice(1));
    return;
  }
  let config: CliConfig;
  try {
    config = parseCli(argv);
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const server = createServer(config.options);
  const url = await server.listen(config.port, config.host);
  const grpc = config.grpcPort === undefined ? undefined : await server.listenGrpc(config.grpcPort, config.host);
  await server.loaded;
  const models = [...server.repository.models.values()].map((m) => `${m.name} [${m.versions.map((v) => v.version).join(',')}]`);
  console.log(`modelship serving ${models.join(', ') || 'no models'} at ${url}  (v2: ${url}/v2, metrics: ${url}/metrics${grpc ? `, gRPC: ${grpc}` : ''})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.exit(1); // a second signal forces the exit
    }
    stopping = true;
    console.error(`${signal}: finishing in-flight requests…`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) void main(process.argv.slice(2));
