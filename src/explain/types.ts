export interface ExplainOptions {
  /** Side of each occluding square in input pixels; default 6. */
  patch?: number;
  /** Step between squares in input pixels; default 3 (64 patches on 28×28); 2 gives 169 and a finer map. */
  stride?: number;
  /**
   * Patches holding at most this much ink (sum of |value − blank| over their pixels, in full-pixel units)
   * are not run and count as no change; default 2.5. 0 runs every patch that changes the input at all.
   */
  minInk?: number;
  signal?: AbortSignal;
}

/** What the model looked at: occlusion sensitivity of the predicted class, one value per input pixel. */
export interface Explanation {
  label: string;
  index: number;
  /**
   * width × height values, row-major, aligned with the preprocessed input: the mean drop of the
   * predicted class's log-probability when a patch covering the pixel is blanked. Higher = more evidence.
   */
  saliency: Float32Array;
  width: number;
  height: number;
  /** The predicted class's probability on the unoccluded input. */
  baselineScore: number;
  /** The preprocessed input the map is aligned with (what the model saw). */
  input: Float32Array;
  /** How many occluded copies ran in the one batched run (patches over empty background, or under `minInk`, are skipped). */
  occlusions: number;
  route: 'local' | 'remote';
  runtime: string;
  version: string;
  latencyMs: number;
}
