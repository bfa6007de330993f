import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

describe('litert runtime', () => {
  it('reports the version of the LiteRT.js it was built with', async () => {
    // The module imports @litertjs/core, which reads no browser globals at import time.
    const { LITERT_VERSION } = await import('../../src/runtimes/litert.js');
    const installed = JSON.parse(readFileSync('node_modules/@litertjs/core/package.json', 'utf8')) as { version: string };
    assert.equal(LITERT_VERSION, installed.version);
  });
});
