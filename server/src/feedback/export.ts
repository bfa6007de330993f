import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { feedbackFile, readFeedbackFile } from './store.js';

export interface ExportResult {
  model: string;
  count: number;
  /** sha256 of images.f32 followed by labels.u8: the dataset's identity in a model's lineage. */
  sha256: string;
  counts: number[];
  skipped: number;
  out: string;
}

/**
 * Writes a model's stored feedback in the pipeline's input format (as models/pipeline/extract_data.mjs
 * writes MNIST): `images.f32` float32 [N, 784] in [0, 1] with ink = 1, `labels.u8` (the true labels),
 * `predicted.u8` (what the model had said) and `meta.json`. Items are sorted by id, so the same
 * feedback always gives the same bytes and the same hash. Only 28×28 items fit the format; others
 * are counted as skipped.
 */
export function exportFeedback(dataDir: string, model: string, out: string, classes = 10): ExportResult {
  const file = feedbackFile(join(dataDir, 'feedback'), model);
  const records = existsSync(file) ? readFeedbackFile(file) : [];
  const usable = records
    .filter((r) => r.input.width === 28 && r.input.height === 28 && r.labelIndex < classes)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const images = new Float32Array(usable.length * 784);
  usable.forEach((record, i) => images.set(record.input.data, i * 784));
  const labels = Uint8Array.from(usable, (r) => r.labelIndex);
  const predicted = Uint8Array.from(usable, (r) => r.predicted.index);
  const imageBytes = Buffer.from(images.buffer);
  const sha256 = createHash('sha256').update(imageBytes).update(labels).digest('hex');
  const counts = Array.from({ length: classes }, (_, c) => labels.filter((l) => l === c).length);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'images.f32'), imageBytes);
  writeFileSync(join(out, 'labels.u8'), labels);
  writeFileSync(join(out, 'predicted.u8'), predicted);
  const versions = [...new Set(usable.map((r) => r.model.version))].sort();
  const meta = { source: 'modelship feedback export', model, count: usable.length, counts, sha256, versions, skipped: records.length - usable.length };
  writeFileSync(join(out, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return { model, count: usable.length, sha256, counts, skipped: records.length - usable.length, out };
}
