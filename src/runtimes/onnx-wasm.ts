import * as ort from 'onnxruntime-web/wasm';
import { createOnnxSession } from './onnx.js';
import type { RuntimeLoader } from './types.js';

export const loadOnnxWasm: RuntimeLoader = (config, files) =>
  createOnnxSession(ort as never, 'onnx-wasm', 'wasm', config, files);
