import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import type { JsepProofRequest, JsepProofResult } from './fixtures/jsep-proof.js';
import { startFixtureServer, TEST_BUNDLE_ROOTS, type FixtureServer } from './fixtures/server.js';

// Why modelship's onnx-webgpu adapter uses `onnxruntime-web/webgpu` and never the JSEP bundle:
// on this project's machines JSEP computed wrong numbers for int8 QDQ models. The golden proof
// is what keeps such a backend from ever answering; this runs the real proof against the real bundle.
test.describe.configure({ mode: 'serial' });

let server: FixtureServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await promisify(execFile)(process.execPath, ['node_modules/rollup/dist/bin/rollup', '-c', 'rollup.test.config.mjs', '--silent'], { timeout: 110_000 });
  server = await startFixtureServer({ static: TEST_BUNDLE_ROOTS });
});

test.afterAll(async () => {
  await server?.close();
});

async function prove(page: import('@playwright/test').Page, request: Omit<JsepProofRequest, 'manifestUrl' | 'wasmPaths'>): Promise<JsepProofResult> {
  return page.evaluate(async (req) => {
    const { runJsepProof } = (await import('/dist/jsep-proof.js' as string)) as typeof import('./fixtures/jsep-proof.js');
    return runJsepProof(req);
  }, { ...request, manifestUrl: '/models/mnist/manifest.json', wasmPaths: '/wasm/' });
}

test('the JSEP WebGPU bundle does not get past the golden proof with the int8 model', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(`${server.url}/empty.html`);
  const hasAdapter = await page.evaluate(async () => Boolean(await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()));
  test.skip(!hasAdapter, 'no WebGPU adapter in this browser (needs --enable-unsafe-webgpu)');

  const honest = await prove(page, { variant: 'int8' });
  expect(honest.webgpuDevice, 'the session must have run on the JSEP WebGPU backend').toBe(true);
  if (!honest.ok) {
    expect(honest.code, honest.message).toBe('PROOF_FAILED');
    expect(Number(honest.details?.['maxAbsDiff'])).toBeGreaterThan(Number(honest.details?.['tolerance']));
    test.info().annotations.push({ type: 'jsep', description: `JSEP int8 rejected by the proof: ${honest.message}` });
    return;
  }
  // JSEP computed the right numbers on this machine: say so, and still show the proof rejects a wrong answer.
  test.info().annotations.push({
    type: 'jsep-correct-here',
    description: `JSEP WebGPU computed int8 within tolerance on this machine (max |diff| ${honest.maxAbsDiff} ≤ ${honest.tolerance}); checked a corrupted golden vector instead`,
  });
  const corrupted = await prove(page, { variant: 'int8', corruptBy: 1 });
  expect(corrupted.ok).toBe(false);
  if (!corrupted.ok) expect(corrupted.code, corrupted.message).toBe('PROOF_FAILED');
});
