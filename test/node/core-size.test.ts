import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CORE_TARGET_BYTES, measureCoreSize } from '../../bench/core-size.js';

describe('lean core (npm run bench:size)', () => {
  it('the initial import of loadModel, bundled and minified from dist/ as an app would, is at most 15 KB min+gzip', async () => {
    assert.ok(existsSync('dist/index.js'), 'dist/index.js is missing: run `npm run build` first');
    const size = await measureCoreSize();
    assert.ok(size.initial.gzipBytes <= CORE_TARGET_BYTES, `the core is ${size.initial.gzipBytes} bytes min+gzip, over ${CORE_TARGET_BYTES}`);
    // The heavy parts stay out of it: the schema validator, the remote client, the updater, every runtime.
    const lazy = size.chunks.filter((chunk) => !chunk.initial);
    assert.ok(
      lazy.some((chunk) => chunk.minBytes > 40_000 && chunk.minBytes < 70_000),
      'the compiled schema validator is a lazy chunk',
    );
    assert.ok(
      lazy.some((chunk) => chunk.file.startsWith('connect-remote')),
      'the remote client is a lazy chunk',
    );
    assert.ok(
      lazy.some((chunk) => chunk.file.startsWith('updater')),
      'the update machinery is a lazy chunk',
    );
    assert.ok(
      lazy.some((chunk) => chunk.file.startsWith('onnx-wasm')),
      'runtimes are lazy chunks',
    );
  });
});
