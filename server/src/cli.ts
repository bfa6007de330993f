#!/usr/bin/env node
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { feedbackCli } from './feedback/cli.js';
import { createServer } from './server.js';
import { resolveOptions, type ServerOptions } from './options.js';

const USAGE = `usage: modelship serve [models-dir] [--port N] [--host H] [--token T] [--no-batching]
                       [--max-batch N] [--max-queue-delay-us N] [--coop-coep] [--threads N] [--instances N]
                       [--instance-nice N|idle]
                       [--graph-optimization disabled|basic|extended|all] [--grpc-port N | --no-grpc]
                       [--repository-poll-secs N] [--max-buffered-bytes N] [--data-dir DIR [--trusted-proxies N]]
  models-dir   Triton-layout model repository (default: <package>/models/repository)
  --port       default $PORT or 8080      --host   default 127.0.0.1
  --token      bearer token for /v1, /v2 and /feedback (default $MODELSHIP_TOKEN)
  --grpc-port  Open Inference Protocol gRPC, default $GRPC_PORT or 8001 (Triton's); --no-grpc: none
  --instance-nice  added to model-instance threads' nice value, 0-19 (default 10; Linux):
               compute yields the CPU to the thread that answers requests and probes; idle: SCHED_IDLE,
               preempted at once, but starved by any busy normal process (for a container of its own)
  --data-dir   keep feedback (POST /feedback) in DIR/feedback/<model>.jsonl; without it /feedback is off
  --trusted-proxies  reverse proxies in front whose X-Forwarded-For sets the feedback rate limit's
               client address (default 0: the socket address)
       modelship feedback export --model NAME [--data-dir DIR] [--out DIR]
       modelship --help | --version`;

/** Source (server/src) and bundle (server/dist) both sit one folder below the server's package.json. */
export function serverVersion(): string {
  const manifest = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** What `--help` and `--version` print: asked for, so stdout and exit code 0. */
export class CliInfo extends Error {
  override readonly name = 'CliInfo' as const;
}

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
      'instance-nice': { type: 'string' },
      'graph-optimization': { type: 'string' },
      'data-dir': { type: 'string' },
      'trusted-proxies': { type: 'string' },
      'grpc-port': { type: 'string' },
      'no-grpc': { type: 'boolean' },
      'repository-poll-secs': { type: 'string' },
      'max-buffered-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) throw new CliInfo(USAGE);
  if (values.version) throw new CliInfo(serverVersion());
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
  const trustedProxies = int(values['trusted-proxies'], '--trusted-proxies');
  if (trustedProxies !== undefined && values['data-dir'] === undefined) throw new CliUsageError('--trusted-proxies applies to /feedback: give --data-dir too');
  if (values['data-dir'] !== undefined) options.feedback = { dataDir: resolve(values['data-dir']), ...(trustedProxies ? { trustedProxies } : {}) };
  const maxBatch = int(values['max-batch'], '--max-batch');
  if (maxBatch !== undefined) options.maxBatchSize = maxBatch;
  const delay = int(values['max-queue-delay-us'], '--max-queue-delay-us');
  if (delay !== undefined) options.maxQueueDelayUs = delay;
  const instances = int(values.instances, '--instances');
  if (instances !== undefined) options.instances = Math.max(1, instances);
  if (values['instance-nice'] === 'idle') options.instanceNice = 'idle';
  else {
    const nice = int(values['instance-nice'], '--instance-nice');
    if (nice !== undefined) {
      if (nice > 19) throw new CliUsageError(`--instance-nice must be 0-19 or idle, got ${nice}`);
      options.instanceNice = nice;
    }
  }
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

/** A Triton-layout repository holds one folder per model; anything else is a mistake worth stopping for. */
export function repositoryProblem(dir: string): string | undefined {
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info) return `modelship: model repository ${dir} does not exist`;
  if (!info.isDirectory()) return `modelship: model repository ${dir} is not a folder`;
  if (!readdirSync(dir, { withFileTypes: true }).some((entry) => entry.isDirectory() && !entry.name.startsWith('.'))) {
    return `modelship: model repository ${dir} holds no model folders (Triton layout: ${dir}/<model>/config.pbtxt and ${dir}/<model>/<version>/model.onnx)`;
  }
  return undefined;
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
    if (err instanceof CliInfo) {
      console.log(err.message);
      return;
    }
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const repository = resolveOptions(config.options).modelRepository;
  const problem = repositoryProblem(repository);
  if (problem) {
    console.error(problem);
    process.exitCode = 1;
    return;
  }
  const server = createServer(config.options);
  const url = await server.listen(config.port, config.host);
  const grpc = config.grpcPort === undefined ? undefined : await server.listenGrpc(config.grpcPort, config.host);
  await server.loaded;
  if (server.repository.models.size === 0) {
    console.error(`modelship: no model in ${repository} could be loaded`);
    await server.close();
    process.exitCode = 1;
    return;
  }
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

// `node server/dist/cli.js …` in this repository; installed, npm's bin symlink runs bin/modelship.js,
// which calls main() itself (argv[1] is then the symlink, hence realpath for the direct case too).
const invokedDirectly = process.argv[1] !== undefined && realpathSync(resolve(process.argv[1])) === fileURLToPath(import.meta.url);
if (invokedDirectly) void main(process.argv.slice(2));
