import { version_webgl } from '@tensorflow/tfjs-backend-webgl';
import { createTfjsSession, startTfjs, type TfjsBackend } from './tfjs.js';
import type { RuntimeLoader, RuntimeStarter } from './types.js';

const BACKEND: TfjsBackend = { runtime: 'tfjs-webgl', name: 'webgl', version: version_webgl };

export const startTfjsWebGl: RuntimeStarter = (config) => startTfjs(BACKEND, config);
/** WebGL2 (in workers through OffscreenCanvas): for GPUs without WebGPU. */
export const loadTfjsWebGl: RuntimeLoader = (config, files) => createTfjsSession(BACKEND, config, files);
