import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCli } from '../src/cli.js';
import { InferenceGrpcClient } from '../src/grpc/client.js';
import { fromContents, toContents } from '../src/grpc/tensors.js';
import { PACKAGE_ROOT } from '../src/index.js';
import { digit, REPOSITORY } from './helpers.js';

describe('modelship serve --grpc-port', () => {
  it('parses the flag, GRPC_PORT and --no-grpc (default 8001, as Triton)', () => {
    assert.equal(parseCli(['serve'], {}).grpcPort, 8001);
    assert.equal(parseCli(['serve'], { GRPC_PORT: '9101' }).grpcPort, 9101);
    assert.equal(parseCli(['serve', '--grpc-port', '9102'], { GRPC_PORT: '9101' }).grpcPort, 9102);
    assert.equal(parseCli(['serve', '--no-grpc'], {}).grpcPort, undefined);
    assert.throws(() => parseCli(['serve', '--grpc-port', 'x'], {}), /--grpc-port must be a non-negative integer/);
    assert.throws(() => parseCli(['serve', '--grpc-port', '70000'], {}), /at most 65535/);
  });

  it('serves gRPC from the command line next to REST, until SIGTERM', async () => {
    const cli = join(PACKAGE_ROOT, 'server', 'src', 'cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', REPOSITORY, '--port', '0', '--grpc-port', '0'], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, MODELSHIP_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 60_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const address = /gRPC: (\S+?)\)/.exec(line)?.[1];
      assert.ok(address, line);
      const client = new InferenceGrpcClient(address);
      try {
        assert.equal(await client.serverReady(), true);
        const d = await digit(9);
        const res = await client.infer('mnist', [{ name: 'input', datatype: 'FP32', shape: [1, 1, 28, 28], data: d.pixels }]);
        assert.deepEqual(res.outputs[0]!.shape, [1, 10]);
      } finally {
        client.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});

describe('gRPC tensor contents', () => {
  it('keeps INT64 exact through decimal strings', () => {
    const big = BigInt('9007199254740993'); // 2^53 + 1: not a float64
    const wire = toContents(BigInt64Array.of(big, -1n), 'INT64');
    assert.deepEqual(wire.int64_contents, ['9007199254740993', '-1']);
    assert.deepEqual(Array.from(fromContents(wire, 'INT64', [2], 'x') as BigInt64Array), [big, -1n]);
  });

  it('refuses values out of range for narrow integer types instead of wrapping them', () => {
    assert.throws(() => fromContents({ int_contents: [1, 300] }, 'INT8', [2], "input 'x'"), /value 300 is out of range for INT8/);
    assert.throws(() => fromContents({ uint_contents: [-1] }, 'UINT16', [1], "input 'x'"), /out of range for UINT16/);
    assert.deepEqual(Array.from(fromContents({ int_contents: [-128, 127] }, 'INT8', [2], 'x') as Int8Array), [-128, 127]);
  });

  it('carries BOOL as bool_contents and FP16 only raw', () => {
    assert.deepEqual(toContents(Uint8Array.of(1, 0), 'BOOL'), { bool_contents: [true, false] });
    assert.deepEqual(Array.from(fromContents({ bool_contents: [false, true] }, 'BOOL', [2], 'x') as Uint8Array), [0, 1]);
    assert.throws(() => fromContents({}, 'FP16', [1], "input 'h'"), /FP16 has no typed contents field/);
    assert.throws(() => fromContents({ fp32_contents: [1, 2] }, 'FP32', [3], "input 'f'"), /got 2 elements in fp32_contents, shape needs 3/);
  });
});
