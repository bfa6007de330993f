import { version_webgl } from '@tensorflow/tfjs-backend-webgl';
import { createTfjsSession } from './tfjs.js';
import type { RuntimeLoader } from './types.js';

/** WebGL2 (in workers through OffscreenCanvas): for GPUs without WebGPU. */
export const loadTfjsWebGl: RuntimeLoader = (config, files) =>
  createTfjsSession({ runtime: 'tfjs-webgl', name: 'webgl', version: version_webgl }, config, files);
