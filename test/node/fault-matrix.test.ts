import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isModelshipError } from '../../src/errors.js';
import { loadModel } from '../../src/load/load-model.js';
import type { Manifest } from '../../src/manifest/types.js';
import type { Model } from '../../src/model.js';
import { decodeGoldenInputs } from '../../src/proof/golden.js';
import { createRemoteEngine } from '../../src/remote/remote-engine.js';
import type { LoadOptions } from '../../src/types.js';
import { createServer, PACKAGE_ROOT } from '../../server/src/index.js';
import { FaultTally } from './helpers/fault-cases.js';
import { startServer, type Handler, type TestServer } from './helpers/file-server.js';
import { serveMnist, WASM_PATHS } from './helpers/static-models.js';
import { startPoisoningProxy } from './helpers/poisoning-proxy.js';

/*
 * Hostile cases, each a class from issue 10, against real HTTP servers on 127.0.0.1 and the real
 * runtime: every case must end in the typed error it names (or, for fallbacks, an answer), and
 * none may hang. The summary line is what README's "Failure behaviour" quotes.
 */
const tally = new FaultTally();
const MANIFEST = JSON.parse(readFileSync('models/mnist/manifest.json', 'utf8')) as Manifest;
const golden = decodeGoldenInputs(MANIFEST);
const DIGIT = golden.slice(0, 784);
const base = (extra: LoadOptions = {}): LoadOptions => ({ worker: false, wasmPaths: WASM_PATHS, cache: 'memory', variant: 'fp32', ...extra });
const FAST = { stallTimeoutMs: 150 } as const;

after(() => {
  const summary = tally.summary();
  console.log(`FAULT MATRIX ${JSON.stringify(summary)}`);
  for (const result of tally.results.filter((r) => r.outcome !== 'typed'))
    console.log(`  ${result.outcome}: ${result.group} / ${result.name}: ${result.detail}`);
});

function groupPassed(group: string): void {
  const bad = tally.results.filter((r) => r.group === group && r.outcome !== 'typed');
  assert.deepEqual(bad, [], `${group}: every case ends in its typed error, none hangs`);
}

/** Serves models/mnist with `edit` applied to the manifest, plus a server that must never be asked for anything. */
async function withEdited(
  edit: (manifest: Manifest, elsewhere: string) => void,
  work: (url: string, models: TestServer, elsewhere: TestServer) => Promise<void>,
): Promise<void> {
  const elsewhere = await startServer({});
  const manifest = structuredClone(MANIFEST);
  edit(manifest, elsewhere.url);
  const routes: Record<string, Handler> = {
    '/models/mnist/manifest.json': (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(manifest)),
  };
  // The real files under their real names: a path that escapes finds nothing here, and must not be asked for.
  for (const file of MANIFEST.variants.flatMap((v) => v.files))
    routes[`/models/mnist/${file.path}`] = (_q, r) => r.end(readFileSync(join('models/mnist', file.path)));
  const models = await startServer(routes);
  try {
    await work(`${models.url}/models/mnist/manifest.json`, models, elsewhere);
  } finally {
    await Promise.all([models.close(), elsewhere.close()]);
  }
}

describe('file paths are checked on the resolved URL (issue 10, item 2)', () => {
  const paths: Array<[string, (elsewhere: string) => string]> = [
    ['leading space + absolute URL', (e) => ` ${e}/x.onnx`],
    ['leading tab + absolute URL', (e) => `\t${e}/x.onnx`],
    ['leading newline + absolute URL', (e) => `\n${e}/x.onnx`],
    ['leading control character + absolute URL', (e) => `\u0001${e}/x.onnx`],
    ['tab inside the scheme', (e) => `ht\ttp${e.slice(4)}/x.onnx`],
    ['newline inside the scheme', (e) => `ht\ntp${e.slice(4)}/x.onnx`],
    ['absolute URL', (e) => `${e}/x.onnx`],
    ['protocol-relative URL', (e) => `//${e.slice(7)}/x.onnx`],
    ['backslashes as slashes', (e) => `\\\\${e.slice(7)}\\x.onnx`],
    ['%2e%2e to the parent folder', () => '%2e%2e/outside/x.onnx'],
    ['%2E%2E upper case', () => '%2E%2E/x.onnx'],
    ['.%2e mixed', () => '.%2e/x.onnx'],
    ['%2e%2e%2f encoded slash', () => '%2e%2e%2fx.onnx'],
    ['nested %2e%2e twice', () => 'a/%2e%2e/%2e%2e/x.onnx'],
    ['../..', () => '../../x.onnx'],
    ['a/../../', () => 'a/../../x.onnx'],
    ['root-absolute path', () => '/models/other/x.onnx'],
    ['trailing tab', () => 'mnist-fp32.onnx\t'],
    ['NUL inside', () => 'mnist\u0000.onnx'],
    ['DEL inside', () => 'mnist\u007f.onnx'],
    ['data: URL', () => 'data:application/octet-stream;base64,AAAA'],
    ['javascript: URL', () => 'javascript:alert(1)'],
    ['credentials in URL', (e) => `http://user:pw@${e.slice(7)}/x.onnx`],
  ];
  it(`rejects ${paths.length} escaping paths with MANIFEST_INVALID naming the field, before any download`, async () => {
    for (const [name, path] of paths) {
      await withEdited(
        (manifest, elsewhere) => {
          manifest.variants.find((v) => v.id === 'fp32')!.files[0]!.path = path(elsewhere);
        },
        async (url, models, elsewhere) => {
          const field = `variants[${MANIFEST.variants.findIndex((v) => v.id === 'fp32')}].files[0].path`;
          await tally.expectError('paths', name, () => loadModel(url, base()), 'MANIFEST_INVALID', field);
          const asked = [...models.hits.keys()].filter((p) => !p.endsWith('manifest.json'));
          assert.deepEqual(asked, [], `${name}: no file was fetched`);
          assert.equal(elsewhere.hits.size, 0, `${name}: nothing reached the other origin`);
        },
      );
    }
    groupPassed('paths');
  });
});

describe('channels[].manifest is confined like a file path (issue 10, item 3)', () => {
  const targets: Array<[string, (elsewhere: string) => string]> = [
    ['absolute URL to another origin', (e) => `${e}/models/mnist/manifest.json`],
    ['protocol-relative URL', (e) => `//${e.slice(7)}/m.json`],
    ['leading space + absolute URL', (e) => ` ${e}/m.json`],
    ['leading tab + absolute URL', (e) => `\t${e}/m.json`],
    ['../../', () => '../../m.json'],
    ['../sibling', () => '../sibling/manifest.json'],
    ['root-absolute path', () => '/models/other/manifest.json'],
    ['%2e%2e', () => '%2e%2e/m.json'],
    ['data: URL', () => 'data:application/json,{}'],
    ['javascript: URL', () => 'javascript:alert(1)'],
    ['the folder itself', () => './'],
  ];
  it(`rejects ${targets.length} escaping channel manifests with MANIFEST_INVALID naming the field`, async () => {
    for (const [name, target] of targets) {
      await withEdited(
        (manifest, elsewhere) => {
          manifest.channels = [{ name: 'canary', version: '1.1.0', share: 1, manifest: target(elsewhere) }];
        },
        async (url, _models, elsewhere) => {
          await tally.expectError('channels', name, () => loadModel(url, base()), 'MANIFEST_INVALID', 'channels[0].manifest');
          assert.equal(elsewhere.hits.size, 0, `${name}: nothing reached the other origin`);
        },
      );
    }
    groupPassed('channels');
  });

  it('follows a channel on another origin only when the app lists it in options.allowedOrigins', async () => {
    const arm = await serveMnist((manifest) => {
      manifest.version = '1.1.0';
    });
    try {
      await withEdited(
        (manifest) => {
          manifest.channels = [{ name: 'canary', version: '1.1.0', share: 1, manifest: `${arm.url}/models/mnist/manifest.json` }];
        },
        async (url) => {
          await tally.expectError('channels', 'other origin, not allowed', () => loadModel(url, base()), 'MANIFEST_INVALID', 'channels[0].manifest');
          const model = await tally.expectAnswer('channels', 'other origin, allowed', () => loadModel(url, base({ allowedOrigins: [arm.url] })));
          assert.equal(model?.info().version, '1.1.0');
          assert.ok(
            (arm.hits.get('/models/mnist/mnist-fp32.onnx') ?? 0) >= 1 || [...arm.hits.keys()].some((p) => p.endsWith('.onnx')),
            'files came from the allowed origin',
          );
          await model?.dispose();
        },
      );
    } finally {
      await arm.close();
    }
    groupPassed('channels');
  });
});

/** A handler that sends headers and `bytes`, then nothing more while the connection stays open. */
const stallAfter =
  (bytes: Uint8Array | string, headers: Record<string, string | number> = {}): Handler =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
    response.write(bytes);
  };
const silent: Handler = () => undefined;

/** Writes `chunk` until the client goes away or `maxBytes` is reached; counts what was sent. */
function endless(chunk: Uint8Array, maxBytes: number, sent: { bytes: number; closedEarly: boolean }, headers: Record<string, string>): Handler {
  return (_request, response: ServerResponse) => {
    response.writeHead(200, headers);
    const pump = (): void => {
      while (sent.bytes < maxBytes && !response.destroyed) {
        sent.bytes += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
      if (!response.destroyed) response.end();
    };
    response.on('close', () => (sent.closedEarly = sent.bytes < maxBytes));
    pump();
  };
}

describe('stalled downloads end in NETWORK after retries, configurably (issue 10, item 7)', () => {
  const manifestText = readFileSync('models/mnist/manifest.json', 'utf8');
  const fp32 = MANIFEST.variants.find((v) => v.id === 'fp32')!.files[0]!;
  const model = readFileSync(join('models/mnist', fp32.path));
  const cases: Array<[string, Record<string, Handler>]> = [
    ['manifest: no answer', { '/m/manifest.json': silent }],
    ['manifest: headers, then nothing', { '/m/manifest.json': stallAfter('', { 'content-type': 'application/json' }) }],
    [
      'manifest: half the body, then nothing',
      { '/m/manifest.json': stallAfter(manifestText.slice(0, manifestText.length >> 1), { 'content-length': Buffer.byteLength(manifestText) }) },
    ],
    ['model: no answer', { '/m/manifest.json': (_q, r) => r.end(manifestText), [`/m/${fp32.path}`]: silent }],
    [
      'model: half the file, then nothing',
      {
        '/m/manifest.json': (_q, r) => r.end(manifestText),
        [`/m/${fp32.path}`]: stallAfter(model.subarray(0, model.length >> 1), { 'content-length': model.length }),
      },
    ],
  ];
  it(`${cases.length} stalls: NETWORK (details.stalled) within seconds, not never`, async () => {
    for (const [name, routes] of cases) {
      const server = await startServer(routes);
      try {
        const started = Date.now();
        const error = await tally.expectError('stalls', name, () => loadModel(`${server.url}/m/manifest.json`, base(FAST)), 'NETWORK', undefined, 15_000);
        assert.equal(isModelshipError(error) && error.details['stalled'], true, `${name}: says it stalled`);
        assert.ok(Date.now() - started < 10_000, `${name}: gave up in ${Date.now() - started} ms`);
        const asked = [...server.hits.entries()].find(([path]) => path === (name.startsWith('manifest') ? '/m/manifest.json' : `/m/${fp32.path}`));
        assert.ok((asked?.[1] ?? 0) >= 2, `${name}: retried (${asked?.[1]} requests)`);
      } finally {
        await server.close();
      }
    }
    groupPassed('stalls');
  });
});

describe('unbounded bodies are cut while streaming (issue 10, item 8)', () => {
  it('an endless manifest without Content-Length fails at the limit, having read a bounded part of it', async () => {
    const sent = { bytes: 0, closedEarly: false };
    const server = await startServer({
      '/m/manifest.json': endless(new Uint8Array(64 * 1024).fill(0x20), 256 * 1024 * 1024, sent, { 'content-type': 'application/json' }),
    });
    try {
      await tally.expectError(
        'limits',
        'endless manifest, no Content-Length',
        () => loadModel(`${server.url}/m/manifest.json`, base({ limits: { maxManifestBytes: 1024 * 1024 } })),
        'MANIFEST_INVALID',
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(sent.closedEarly, 'the client closed the connection');
      assert.ok(sent.bytes < 32 * 1024 * 1024, `sent ${sent.bytes} bytes before the client stopped`);
    } finally {
      await server.close();
    }
    groupPassed('limits');
  });

  it('an endless model response fails INTEGRITY_MISMATCH and its transfer is cancelled', async () => {
    const fp32 = MANIFEST.variants.find((v) => v.id === 'fp32')!.files[0]!;
    const sent = { bytes: 0, closedEarly: false };
    const manifestText = readFileSync('models/mnist/manifest.json', 'utf8');
    const server = await startServer({
      '/m/manifest.json': (_q, r) => r.end(manifestText),
      [`/m/${fp32.path}`]: endless(new Uint8Array(64 * 1024), 256 * 1024 * 1024, sent, { 'content-type': 'application/octet-stream' }),
    });
    try {
      await tally.expectError('limits', 'endless model file', () => loadModel(`${server.url}/m/manifest.json`, base()), 'INTEGRITY_MISMATCH');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(sent.closedEarly, 'the client closed the connection');
      assert.ok(sent.bytes < 32 * 1024 * 1024, `sent ${sent.bytes} bytes before the client stopped`);
    } finally {
      await server.close();
    }
    groupPassed('limits');
  });
});

describe('every engine output is finite and of the manifest shape (issue 10, item 1)', () => {
  const poisons: Array<[string, { protocol: 'v2' | 'tfserving'; binary?: boolean }, number]> = [
    ['V2 binary NaN', { protocol: 'v2', binary: true }, NaN],
    ['V2 binary +Infinity', { protocol: 'v2', binary: true }, Infinity],
    ['V2 binary -Infinity', { protocol: 'v2', binary: true }, -Infinity],
    ['V2 JSON 1e999', { protocol: 'v2', binary: false }, Infinity],
    ['V2 JSON -1e999', { protocol: 'v2', binary: false }, -Infinity],
    ['TF Serving 1e999', { protocol: 'tfserving' }, Infinity],
  ];
  it(`${poisons.length} poisoned remote answers: OUTPUT_INVALID on route remote, a local answer on prefer-remote`, async () => {
    const reference = createServer({ modelRepository: join(PACKAGE_ROOT, 'models', 'repository'), static: false });
    const referenceUrl = await reference.listen(0, '127.0.0.1');
    await reference.loaded;
    const proxy = await startPoisoningProxy(referenceUrl);
    const models = await serveMnist();
    const url = `${models.url}/models/mnist/manifest.json`;
    try {
      for (const [name, config, value] of poisons) {
        const remote = { url: proxy.url, retries: 0, ...config };
        proxy.poison = undefined;
        const strict: Model = await loadModel(url, base({ route: 'remote', remote }));
        const fallback: Model = await loadModel(url, base({ route: 'prefer-remote', remote }));
        const reasons: string[] = [];
        fallback.on('fallback', (event) => reasons.push(event.reason));
        proxy.poison = value;
        await tally.expectError('outputs', `${name}, route remote`, () => strict.predict(DIGIT), 'OUTPUT_INVALID');
        const answer = await tally.expectAnswer('outputs', `${name}, prefer-remote falls back`, () => fallback.predict(DIGIT));
        assert.equal(answer?.route, 'local', `${name}: answered locally`);
        assert.equal(answer?.label, String(MANIFEST.golden[0]!.label));
        assert.match(reasons.join('\n'), /OUTPUT_INVALID/);
        await Promise.all([strict.dispose(), fallback.dispose()]);
      }
    } finally {
      await Promise.all([proxy.close(), models.close(), reference.close()]);
    }
    groupPassed('outputs');
  });
});

describe('public entry points validate their arguments (issue 10, item 16)', () => {
  it('predict, predictBatch, on and loadModel answer INPUT_INVALID naming the field, never a raw TypeError', async () => {
    const models = await serveMnist();
    const url = `${models.url}/models/mnist/manifest.json`;
    const model = await loadModel(url, base());
    const throwing = Object.defineProperty({}, 'data', {
      get: () => {
        throw new Error('getter says no');
      },
      enumerable: true,
    });
    const trap = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
        has: () => {
          throw new Error('trap');
        },
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    const arrayTrap = new Proxy([] as number[], {
      get: () => {
        throw new Error('trap');
      },
    });
    const any = (value: unknown) => value as never;
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      ['predict(x, null)', () => model.predict(DIGIT, any(null)), 'options'],
      ['predict(x, "x")', () => model.predict(DIGIT, any('x')), 'options'],
      ["predict(x, { signal: 'x' })", () => model.predict(DIGIT, any({ signal: 'x' })), 'options.signal'],
      ['predict(x, { signal: {} })', () => model.predict(DIGIT, any({ signal: {} })), 'options.signal'],
      [
        'predict(x, throwing getter)',
        () =>
          model.predict(
            DIGIT,
            any(
              Object.defineProperty({}, 'signal', {
                get: () => {
                  throw new Error('no');
                },
                enumerable: true,
              }),
            ),
          ),
        'options.signal',
      ],
      ['predict(x, Proxy)', () => model.predict(DIGIT, any(trap)), 'options'],
      ['predict(object with throwing getter)', () => model.predict(any(Object.assign(throwing, { width: 28, height: 28 }))), 'input'],
      ['predict(Proxy)', () => model.predict(any(trap)), 'input'],
      ['predict(Proxy of an array)', () => model.predict(any(arrayTrap)), 'input'],
      ['predict(undefined)', () => model.predict(any(undefined)), 'input'],
      ['predictBatch(null)', () => model.predictBatch(any(null)), 'inputs'],
      ['predictBatch(Proxy of an array)', () => model.predictBatch(any(arrayTrap)), 'inputs'],
      ['predictBatch([x], null)', () => model.predictBatch([DIGIT], any(null)), 'options'],
      ['predictBatch([Proxy])', () => model.predictBatch([any(trap)]), 'inputs[0]'],
      ["on('nope', fn)", async () => model.on(any('nope'), () => undefined), 'event'],
      ["on('fallback', 'x')", async () => model.on('fallback', any('x')), 'handler'],
      ['loadModel(42)', () => loadModel(any(42)), 'manifestUrl'],
      ['loadModel(url, null)', () => loadModel(url, any(null)), 'options'],
      ["loadModel(url, { signal: 'x' })", () => loadModel(url, any({ signal: 'x' })), 'options.signal'],
      ['loadModel(url, Proxy)', () => loadModel(url, any(trap)), 'options'],
      [
        'loadModel(url, throwing getter)',
        () =>
          loadModel(
            url,
            any(
              Object.defineProperty({}, 'cache', {
                get: () => {
                  throw new Error('no');
                },
                enumerable: true,
              }),
            ),
          ),
        'options.cache',
      ],
      ['loadModel(url, { onProgress: 5 })', () => loadModel(url, any({ onProgress: 5 })), 'options.onProgress'],
      ['loadModel(url, { stallTimeoutMs: -1 })', () => loadModel(url, any({ stallTimeoutMs: -1 })), 'options.stallTimeoutMs'],
      ['loadModel(url, { runTimeoutMs: NaN })', () => loadModel(url, any({ runTimeoutMs: NaN })), 'options.runTimeoutMs'],
      ["loadModel(url, { allowedOrigins: 'x' })", () => loadModel(url, any({ allowedOrigins: 'x' })), 'options.allowedOrigins'],
      ["loadModel(url, { allowedOrigins: ['not a url'] })", () => loadModel(url, any({ allowedOrigins: ['not a url'] })), 'options.allowedOrigins[0]'],
      ['loadModel(url, { remote: Proxy })', () => loadModel(url, any({ remote: trap })), 'options.remote'],
      [
        "loadModel(url, { remote: { url: 'not a url' } })",
        () => loadModel(url, base({ route: 'remote', remote: { url: 'not a url', protocol: 'v2' } })),
        'options.remote.url',
      ],
      [
        "loadModel(url, { remote: { url: 'ftp://x' } })",
        () => loadModel(url, base({ route: 'remote', remote: { url: 'ftp://x', protocol: 'v2' } })),
        'options.remote.url',
      ],
    ];
    try {
      for (const [name, work, field] of cases) await tally.expectError('arguments', name, work, 'INPUT_INVALID', field);
      assert.equal((await model.predict(DIGIT)).label, String(MANIFEST.golden[0]!.label), 'the model still answers');
    } finally {
      await model.dispose();
      await models.close();
    }
    groupPassed('arguments');
  });
});

describe('the circuit breaker counts calls, not retries (issue 10, item 18)', () => {
  it('with retries: 1, five failed calls open a five-failure circuit, three do not', async () => {
    let requests = 0;
    const server = await startServer({
      '/v2/models/mnist/infer': (_q, r) => {
        requests++;
        r.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
      },
    });
    const remote = createRemoteEngine(
      { url: server.url, protocol: 'v2', retries: 1, backoff: { baseMs: 1, capMs: 1 }, circuit: { failureThreshold: 5, halfOpenAfterMs: 60_000 } },
      MANIFEST,
    );
    const feeds = () => ({ input: { data: DIGIT.slice(), dims: [1, 1, 28, 28] } });
    try {
      for (let call = 1; call <= 3; call++) await tally.expectError('breaker', `failed call ${call}`, () => remote.run(feeds()), 'REMOTE_HTTP');
      assert.equal(requests, 6, 'each call made two attempts');
      assert.deepEqual([remote.health().circuit, remote.health().consecutiveFailures], ['closed', 3]);
      for (let call = 4; call <= 5; call++) await tally.expectError('breaker', `failed call ${call}`, () => remote.run(feeds()), 'REMOTE_HTTP');
      assert.equal(remote.health().circuit, 'open');
      await tally.expectError('breaker', 'call on the open circuit', () => remote.run(feeds()), 'CIRCUIT_OPEN');
      assert.equal(requests, 10, 'the open circuit sent nothing');
    } finally {
      await remote.dispose();
      await server.close();
    }
    groupPassed('breaker');
  });
});
