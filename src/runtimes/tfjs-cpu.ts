import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { createTfjsSession } from './tfjs.js';
import type { RuntimeLoader } from './types.js';

/** Plain JavaScript kernels: slow, but runs wherever JavaScript does (the last resort). */
export const loadTfjsCpu: RuntimeLoader = (config, files) =>
  createTfjsSession({ runtime: 'tfjs-cpu', name: 'cpu', version: version_cpu }, config, files);
