import { ModelshipError } from './errors.js';
import type { Prediction } from './model-types.js';
import type { InputFeatures } from './monitoring/features.js';
import type { ModelMonitor, Scored } from './monitoring/monitor.js';
import type { Answer } from './route/router.js';
import type { Slot } from './route/slot.js';

/** What a call prepared while its engine computed, for turning the answer into Predictions. */
export interface CallRows {
  rows: number;
  /** Each row's input features (empty with monitoring off). */
  features: InputFeatures[];
  /** Each row's Prediction id. */
  ids: string[];
  latencyMs: number;
}

/** The engine's outputs as one Prediction per row: scored, and handed to monitoring to count after the caller has them. */
export function toPredictions({ outputs, slot }: Answer, call: CallRows, monitor: ModelMonitor): Prediction[] {
  const { rows, features, ids, latencyMs } = call;
  const manifest = slot.manifest;
  const classes = manifest.labels.length;
  const values = outputs[manifest.outputs[0]!.name];
  if (!values || values.data.length !== rows * classes) {
    throw new ModelshipError('OUTPUT_INVALID', `${slot.engine.runtime} returned ${values?.data.length ?? 0} values for ${rows}×${classes}`);
  }
  const scored = Array.from({ length: rows }, (_, row) => monitor.score(values.data.subarray(row * classes, (row + 1) * classes), features[row], slot));
  monitor.recorded(slot, latencyMs, scored, features);
  return scored.map((part, row) => toPrediction(part, ids[row]!, slot, latencyMs));
}

/** Every field written out, in one order: one object shape for every answer (a spread of `scored` built each one key by key). */
function toPrediction(scored: Scored, id: string, slot: Slot, latencyMs: number): Prediction {
  return {
    id,
    label: scored.label,
    index: scored.index,
    scores: scored.scores,
    top: scored.top,
    abstain: scored.abstain,
    abstainReason: scored.abstainReason,
    oodScore: scored.oodScore,
    route: slot.route,
    runtime: slot.engine.runtime,
    variant: slot.variant.id,
    version: slot.manifest.version,
    latencyMs,
  };
}
