import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { createTfjsSession, startTfjs, type TfjsBackend } from './tfjs.js';
import type { RuntimeLoader, RuntimeStarter } from './types.js';

const BACKEND: TfjsBackend = { runtime: 'tfjs-cpu', name: 'cpu', version: version_cpu };

export const startTfjsCpu: RuntimeStarter = (config) => startTfjs(BACKEND, config);
/** Plain JavaScript kernels: slow, but runs wherever JavaScript does (the last resort). */
export const loadTfjsCpu: RuntimeLoader = (config, files) => createTfjsSession(BACKEND, config, files);
