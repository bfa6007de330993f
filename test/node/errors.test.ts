import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelshipError, isModelshipError } from '../../src/errors.js';
import { deserializeError, serializeError } from '../../src/errors-wire.js';

describe('errors across the worker boundary', () => {
  it('keeps code, details and the cause chain through structured clone', () => {
    const root = new TypeError('socket hang up');
    const error = new ModelshipError('NETWORK', 'download failed', { cause: root, details: { url: 'http://x/a.onnx' } });
    const wire = structuredClone(serializeError(error));
    const back = deserializeError(wire);
    assert.ok(back instanceof ModelshipError);
    assert.ok(isModelshipError(back, 'NETWORK'));
    assert.equal(back.message, 'download failed');
    assert.deepEqual((back as ModelshipError).details, { url: 'http://x/a.onnx' });
    assert.equal((back.cause as Error).message, 'socket hang up');
    assert.equal((back.cause as Error).name, 'TypeError');
  });

  it('recognises errors from another realm by shape, not instanceof', () => {
    const foreign = { name: 'ModelshipError', code: 'TIMEOUT', message: 'slow' };
    assert.ok(isModelshipError(foreign));
    assert.ok(isModelshipError(foreign, 'TIMEOUT'));
    assert.equal(isModelshipError(foreign, 'ABORTED'), false);
    assert.equal(isModelshipError(new Error('x')), false);
  });

  it('survives non-Error throws and cyclic details', () => {
    assert.equal(deserializeError(serializeError('plain string')).message, 'plain string');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const wire = serializeError(new ModelshipError('INPUT_INVALID', 'bad', { details: cyclic }));
    assert.deepEqual(wire.details, { unserializable: true });
  });
});
