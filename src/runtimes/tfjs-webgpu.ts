import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { version_core } from '@tensorflow/tfjs-core';
import { ModelshipError } from '../errors.js';
import { createTfjsSession, startTfjs, type TfjsBackend } from './tfjs.js';
import type { RuntimeLoader, RuntimeStarter } from './types.js';

const BACKEND: TfjsBackend = {
  runtime: 'tfjs-webgpu',
  name: 'webgpu',
  // The webgpu package exports no version of its own; all tfjs packages ship in lockstep.
  version: version_core,
  device: (backend) => (backend instanceof WebGPUBackend ? backend.device : undefined),
};

/** The backend registers itself only where navigator.gpu exists; say why instead of "could not start". */
function requireWebGpu(): Promise<void> {
  if (typeof navigator !== 'undefined' && 'gpu' in navigator) return Promise.resolve();
  return Promise.reject(
    new ModelshipError('BACKEND_UNAVAILABLE', 'tfjs-webgpu needs WebGPU (navigator.gpu), which this context lacks', {
      details: { runtime: 'tfjs-webgpu', reason: 'no-webgpu' },
    }),
  );
}

export const startTfjsWebGpu: RuntimeStarter = (config) => requireWebGpu().then(() => startTfjs(BACKEND, config));
export const loadTfjsWebGpu: RuntimeLoader = (config, files) => requireWebGpu().then(() => createTfjsSession(BACKEND, config, files));
