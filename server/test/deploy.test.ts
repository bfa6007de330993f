import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseCli } from '../src/cli.js';
import { PACKAGE_ROOT } from '../src/index.js';

/**
 * deploy/ checked against the KServe CRDs' own openAPIV3 schemas (shared/specs/kserve, from
 * kserve/kserve config/crd/full). No YAML parser is among the npm dependencies, so YAML is read
 * with Debian's python3-yaml (PyYAML) and handed over as JSON; ajv validates.
 */
const DEPLOY = join(PACKAGE_ROOT, 'deploy');
const CRD_DIR = process.env.MODELSHIP_KSERVE_CRDS ?? findCrds();

function findCrds(): string {
  // The specs folder sits beside the repository (CI) or under /work/shared (sessions).
  for (const dir of [resolve(PACKAGE_ROOT, '..', 'shared', 'specs', 'kserve'), '/work/shared/specs/kserve']) {
    if (existsSync(join(dir, 'serving.kserve.io_servingruntimes.yaml'))) return dir;
  }
  throw new Error('KServe CRDs not found: set MODELSHIP_KSERVE_CRDS to the folder holding serving.kserve.io_*.yaml');
}

/** Every document of each YAML file, parsed by PyYAML. */
function readYaml(...files: string[]): unknown[][] {
  // libyaml's loader when present (the InferenceService CRD is 2 MB), else PyYAML's own; both safe.
  const script = [
    'import sys, json, yaml',
    "loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)",
    'json.dump([list(yaml.load_all(open(f), Loader=loader)) for f in sys.argv[1:]], sys.stdout, default=str)',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, ...files], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8'));
}

type Schema = Record<string, unknown>;

/**
 * Like `kubectl apply --validate=strict`: an object schema that lists its properties refuses
 * unknown ones (a misspelt canaryTrafficPercent must fail), unless Kubernetes keeps unknown fields there.
 */
function strict(schema: Schema): Schema {
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) schema.additionalProperties = false;
  for (const key of ['properties', 'patternProperties']) {
    for (const s of Object.values((schema[key] as Record<string, Schema> | undefined) ?? {})) strict(s);
  }
  for (const key of ['items', 'additionalProperties', 'not']) if (typeof schema[key] === 'object' && schema[key] !== null) strict(schema[key] as Schema);
  for (const key of ['anyOf', 'allOf', 'oneOf']) for (const s of (schema[key] as Schema[] | undefined) ?? []) strict(s);
  return schema;
}

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('date-time', { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) });

interface Crd {
  spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
}

const crds = readYaml(join(CRD_DIR, 'serving.kserve.io_servingruntimes.yaml'), join(CRD_DIR, 'serving.kserve.io_inferenceservices.yaml')).flat() as Crd[];
const validators = new Map<string, ValidateFunction>();
for (const crd of crds) {
  for (const v of crd.spec.versions) validators.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, ajv.compile(strict(v.schema.openAPIV3Schema)));
}

type Doc = any;

function validate(doc: Doc): string[] {
  const v = validators.get(`${doc.apiVersion} ${doc.kind}`);
  if (!v) return [`no CRD schema for ${doc.apiVersion} ${doc.kind}`];
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

const manifestFiles = readdirSync(join(DEPLOY, 'kserve')).filter((f) => f.endsWith('.yaml')).map((f) => join(DEPLOY, 'kserve', f));
const manifests = new Map(readYaml(...manifestFiles).map((docs, i) => [manifestFiles[i]!.split('/').pop()!, docs as Doc[]]));
const one = (file: string): Doc => manifests.get(file)![0];

describe('deploy/kserve manifests', () => {
  it('validate against the KServe CRD schemas', () => {
    assert.ok(manifests.size >= 5, [...manifests.keys()].join(', '));
    for (const [file, docs] of manifests) {
      for (const doc of docs) assert.deepEqual(validate(doc), [], `${file}: ${doc.kind} ${doc.metadata?.name}`);
    }
  });

  it('the strict validation catches a misspelt field, a bad enum and a wrong type', () => {
    const isvc = structuredClone(one('inferenceservice.yaml'));
    isvc.spec.predictor.canaryTrafficPrecent = 10;
    assert.match(validate(isvc).join('\n'), /must NOT have additional properties.*canaryTrafficPrecent/);
    const metric = structuredClone(one('inferenceservice.yaml'));
    metric.spec.predictor.scaleMetric = 'latency';
    assert.match(validate(metric).join('\n'), /scaleMetric must be equal to one of the allowed values/);
    const runtime = structuredClone(one('servingruntime.yaml'));
    runtime.spec.containers[0].ports[0].containerPort = '8080';
    assert.match(validate(runtime).join('\n'), /containerPort must be integer/);
  });

  it('the runtime starts the server with REST and gRPC, probes the V2 health endpoints and runs as non-root', () => {
    const rt = one('servingruntime.yaml');
    assert.deepEqual(rt.spec.protocolVersions, ['v2', 'grpc-v2']);
    const c = rt.spec.containers[0];
    assert.equal(c.name, 'kserve-container');
    // The args are what the image's entrypoint (modelship's CLI) parses.
    const cli = parseCli(c.args, {});
    assert.equal(cli.port, 8080);
    assert.equal(cli.grpcPort, 9000);
    assert.equal(cli.host, '0.0.0.0');
    assert.equal(cli.options.modelRepository, '/mnt/models');
    assert.equal(c.ports[0].containerPort, cli.port);
    assert.deepEqual([c.readinessProbe.httpGet.path, c.readinessProbe.httpGet.port], ['/v2/health/ready', cli.port]);
    assert.deepEqual([c.livenessProbe.httpGet.path, c.livenessProbe.httpGet.port], ['/v2/health/live', cli.port]);
    assert.equal(c.securityContext.runAsNonRoot, true);
    assert.equal(rt.metadata.annotations['prometheus.kserve.io/path'], '/metrics');
  });

  it('the InferenceServices: concurrency autoscaling to zero, a canary, gRPC, Triton on the same storage', () => {
    const isvc = one('inferenceservice.yaml');
    const p = isvc.spec.predictor;
    assert.deepEqual([p.minReplicas, p.scaleMetric, p.model.runtime, p.model.protocolVersion], [0, 'concurrency', 'modelship', 'v2']);
    assert.equal(isvc.metadata.annotations['prometheus.io/scrape'], 'true');
    assert.equal(isvc.metadata.annotations['prometheus.io/path'], '/metrics');

    const canary = one('inferenceservice-canary.yaml');
    assert.equal(canary.metadata.name, isvc.metadata.name, 'a canary is the same InferenceService updated');
    assert.equal(canary.spec.predictor.canaryTrafficPercent, 10);
    assert.notEqual(canary.spec.predictor.model.storageUri, p.model.storageUri);

    const grpc = one('inferenceservice-grpc.yaml');
    assert.equal(grpc.spec.predictor.model.protocolVersion, 'grpc-v2');
    const h2c = grpc.spec.predictor.model.ports.find((x: Doc) => x.name === 'h2c');
    assert.equal(h2c.containerPort, parseCli(one('servingruntime.yaml').spec.containers[0].args, {}).grpcPort);

    const triton = one('inferenceservice-triton.yaml');
    assert.equal(triton.spec.predictor.model.runtime, 'kserve-tritonserver');
    assert.equal(triton.spec.predictor.model.storageUri, p.model.storageUri, 'Triton serves the same repository');
    assert.equal(triton.spec.predictor.model.readinessProbe.httpGet.path, '/v2/health/ready');
  });
});

describe('deploy/ container and compose files', () => {
  it('the image runs the CLI as a non-root user with the shipped .proto and a baked-in repository', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^COPY server\/proto server\/proto$/m);
    assert.match(dockerfile, /^COPY models\/repository \/models$/m);
    const entry = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)![1]!) as string[];
    assert.deepEqual(entry, ['node', '/app/server/dist/cli.js']);
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]!) as string[];
    const cli = parseCli(cmd, {});
    assert.deepEqual([cli.port, cli.grpcPort, cli.host, cli.options.modelRepository], [8080, 8001, '0.0.0.0', '/models']);
    for (const port of [cli.port, cli.grpcPort]) assert.match(dockerfile, new RegExp(`^EXPOSE .*\\b${port}\\b`, 'm'));
  });

  it('modelship and Triton on one machine answer on the same host ports, from the same folder', () => {
    const files = readYaml(join(DEPLOY, 'compose.yaml'), join(DEPLOY, 'triton', 'compose.yaml')) as Doc[][];
    const modelship = files[0]![0].services.modelship;
    const triton = files[1]![0].services.triton;
    const hostPorts = (s: Doc): string[] => s.ports.map((p: string) => p.split(':')[0]).slice(0, 2);
    assert.deepEqual(hostPorts(modelship), ['8080', '8001']);
    assert.deepEqual(hostPorts(triton), hostPorts(modelship));
    const source = (file: string, s: Doc): string => resolve(join(DEPLOY, file, '..'), s.volumes[0].split(':')[0]);
    assert.equal(source('compose.yaml', modelship), join(PACKAGE_ROOT, 'models', 'repository'));
    assert.equal(source('triton/compose.yaml', triton), join(PACKAGE_ROOT, 'models', 'repository'));
    const cli = parseCli(modelship.command, {});
    assert.deepEqual([cli.port, cli.grpcPort], [8080, 8001]);
    assert.ok(triton.command.includes('--model-repository=/models'));
  });
});
