/**
 * Exports the trained fp32 network as a TF Lite flatbuffer (models/mnist/mnist-fp32.tflite), from the
 * same weights as mnist-fp32.onnx. There is no TensorFlow here: the flatbuffer is written with the
 * `flatbuffers` package (tflite/flatbuffer.ts); verify_tflite.ts then checks it against
 * onnxruntime-node digit by digit. Usage: node --import tsx export_tflite.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTflite } from './tflite/flatbuffer.js';
import { mnistCnnGraph } from './tflite/mnist-cnn.js';
import { readOnnxWeights } from './tflite/onnx-weights.js';

const here = dirname(fileURLToPath(import.meta.url));
const onnxPath = join(here, '..', 'mnist', 'mnist-fp32.onnx');
const out = join(here, '..', 'mnist', 'mnist-fp32.tflite');
const weights = readOnnxWeights(readFileSync(onnxPath));
const bytes = writeTflite(mnistCnnGraph(weights, 'modelship MNIST CNN, fp32, exported from mnist-fp32.onnx'));
writeFileSync(out, bytes);
console.log(`${out}: ${bytes.byteLength} bytes`);
