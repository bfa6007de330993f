import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { version_core } from '@tensorflow/tfjs-core';
import { ModelshipError } from '../errors.js';
import { createTfjsSession } from './tfjs.js';
import type { RuntimeLoader } from './types.js';

export const loadTfjsWebGpu: RuntimeLoader = (config, files) => {
  // The backend registers itself only where navigator.gpu exists; say why instead of "could not start".
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    return Promise.reject(
      new ModelshipError('BACKEND_UNAVAILABLE', 'tfjs-webgpu needs WebGPU (navigator.gpu), which this context lacks', {
        details: { runtime: 'tfjs-webgpu', reason: 'no-webgpu' },
      }),
    );
  }
  return createTfjsSession(
    {
      runtime: 'tfjs-webgpu',
      name: 'webgpu',
      // The webgpu package exports no version of its own; all tfjs packages ship in lockstep.
      version: version_core,
      device: (backend) => (backend instanceof WebGPUBackend ? backend.device : undefined),
    },
    config,
    files,
  );
};
