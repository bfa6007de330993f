import { createLiteRtSession, startLiteRt } from './litert.js';
import type { RuntimeLoader, RuntimeStarter } from './types.js';

/** TF Lite models on LiteRT.js's WebGPU accelerator; a model it cannot fully delegate fails here and the plan moves on. */
export const loadLiteRtWebGpu: RuntimeLoader = (config, files) => createLiteRtSession('litert-webgpu', 'webgpu', config, files);
export const startLiteRtWebGpu: RuntimeStarter = (config) => startLiteRt('litert-webgpu', config);
