import type { io } from '@tensorflow/tfjs-core';
import { ModelshipError } from '../errors.js';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
}

const OPEN_BRACE = 0x7b;

function parseModelJson(bytes: Uint8Array): ModelJson | undefined {
  // Weight shards are binary; only a file that starts like JSON is worth parsing.
  const first = bytes.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
  if (first !== OPEN_BRACE) return undefined;
  try {
    const json = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ModelJson>;
    return json.modelTopology && Array.isArray(json.weightsManifest) ? (json as ModelJson) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A tfjs model's artifacts from bytes already verified against the manifest: nothing is fetched
 * by URL. The topology is the file that parses as a model.json; the other files are its weight
 * shards, in the manifest's order, which must be the order of `weightsManifest[].paths`.
 */
export function artifactsFromFiles(files: Uint8Array[]): io.ModelArtifacts {
  const topologyIndex = files.findIndex((file) => parseModelJson(file) !== undefined);
  const modelJson = topologyIndex === -1 ? undefined : parseModelJson(files[topologyIndex]!);
  if (!modelJson) throw invalid('none of the variant files is a TensorFlow.js model.json with modelTopology and weightsManifest');
  const shards = files.filter((_, index) => index !== topologyIndex);
  const expected = modelJson.weightsManifest.reduce((count, group) => count + group.paths.length, 0);
  if (shards.length !== expected) throw invalid(`model.json lists ${expected} weight files, the variant has ${shards.length}`);
  const weightData = new Uint8Array(shards.reduce((sum, shard) => sum + shard.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  return {
    modelTopology: modelJson.modelTopology,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer,
  };
}

function invalid(message: string): ModelshipError {
  return new ModelshipError('MANIFEST_INVALID', `TensorFlow.js variant: ${message}`, { details: { field: 'variants[].files' } });
}
