import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datatypeFromConfig, datatypeInfo, elementCount, type Datatype, type TypedArray } from './datatypes.js';
import type { WireTensor } from './instances/protocol.js';
import type { PbMessage } from './pbtxt.js';
import { first, int, ints, messages, ModelConfigError, str } from './pb-fields.js';

/** One `model_warmup` sample of config.pbtxt (Triton's ModelWarmup). */
export interface WarmupSample {
  name: string;
  batchSize: number;
  /** Executions of this sample per instance (Triton: count 0 means once). */
  count: number;
  inputs: Array<{ name: string; datatype: Datatype; dims: number[]; source: { kind: 'zero' } | { kind: 'random' } | { kind: 'file'; file: string } }>;
}

export function parseWarmup(config: PbMessage, maxBatchSize: number): WarmupSample[] {
  return messages(config, 'model_warmup').map((w, i) => {
    const name = str(w, 'name', `warmup ${i}`);
    const where = `model_warmup "${name}"`;
    const batchSize = int(w, 'batch_size', 1);
    if (batchSize < 1 || (maxBatchSize === 0 && batchSize !== 1) || (maxBatchSize > 0 && batchSize > maxBatchSize)) {
      throw new ModelConfigError(`${where}: batch_size ${batchSize} must be between 1 and ${Math.max(1, maxBatchSize)}`);
    }
    const inputs = messages(w, 'inputs').map((entry) => {
      const key = str(entry, 'key');
      const value = messages(entry, 'value')[0];
      if (!value) throw new ModelConfigError(`${where}: input "${key}" has no value`);
      const source = first(value, 'input_data_file') !== undefined
        ? { kind: 'file' as const, file: str(value, 'input_data_file') }
        : first(value, 'random_data') !== undefined ? { kind: 'random' as const } : { kind: 'zero' as const };
      if (source.kind === 'file' && (source.file.includes('..') || source.file.startsWith('/'))) {
        throw new ModelConfigError(`${where}: input_data_file must be a file name inside the model's warmup/ folder`);
      }
      return { name: key, datatype: datatypeFromConfig(str(value, 'data_type')), dims: ints(value, 'dims'), source };
    });
    if (inputs.length === 0) throw new ModelConfigError(`${where}: no inputs`);
    return { name, batchSize, count: Math.max(1, int(w, 'count', 0)), inputs };
  });
}

/** The tensors of one sample; input_data_file is read from `<modelDir>/warmup/` (raw row-major bytes, one batch row, repeated). */
export async function warmupTensors(sample: WarmupSample, modelDir: string, batched: boolean): Promise<WireTensor[]> {
  return Promise.all(
    sample.inputs.map(async (input) => {
      const info = datatypeInfo(input.datatype);
      const row = elementCount(input.dims);
      const shape = batched ? [sample.batchSize, ...input.dims] : input.dims;
      const data: TypedArray = info.create(row * (batched ? sample.batchSize : 1));
      if (input.source.kind === 'file') {
        const bytes = await readFile(join(modelDir, 'warmup', input.source.file));
        if (bytes.length !== row * info.bytes) {
          throw new Error(`warmup "${sample.name}": ${input.source.file} has ${bytes.length} bytes, input "${input.name}" needs ${row * info.bytes}`);
        }
        const view = new Uint8Array(data.buffer);
        for (let b = 0; b < (batched ? sample.batchSize : 1); b++) view.set(bytes, b * bytes.length);
      } else if (input.source.kind === 'random') {
        for (let i = 0; i < data.length; i++) {
          if (info.bigint) (data as BigInt64Array)[i] = BigInt(Math.floor(Math.random() * 100));
          else if (input.datatype === 'BOOL') data[i] = Math.random() < 0.5 ? 0 : 1;
          else (data as Float32Array)[i] = input.datatype.startsWith('FP') ? Math.random() : Math.floor(Math.random() * 100);
        }
      }
      return { name: input.name, datatype: input.datatype, shape, data };
    }),
  );
}
