/** One occluding square: its top-left corner (may start above or left of the picture) and side. */
export interface Patch {
  x: number;
  y: number;
  size: number;
}

export interface OcclusionGrid {
  width: number;
  height: number;
  /** Side of each square patch in pixels; default 6. */
  patch: number;
  /** Step between patch corners in pixels; default 2. */
  stride: number;
}

/**
 * Patch corners start half an overlap left of and above the picture and step by `stride` while
 * the patch still ends inside it, so the border is occluded too. With 28×28, patch 6 and stride 2
 * that is 13 × 13 = 169 patches.
 */
export function patchGrid(grid: OcclusionGrid): Patch[] {
  const { width, height, patch, stride } = grid;
  const first = -Math.floor((patch - stride) / 2);
  const starts = (extent: number): number[] => {
    const out: number[] = [];
    for (let at = first; at + patch <= extent; at += stride) out.push(at);
    return out;
  };
  const patches: Patch[] = [];
  for (const y of starts(height)) for (const x of starts(width)) patches.push({ x, y, size: patch });
  return patches;
}

/**
 * One batch: row 0 is the input as it is, row k + 1 is the input with patch k set to `fill`
 * (the background value after preprocessing). All rows in one tensor, so one engine run.
 */
export function occlusionBatch(input: Float32Array, grid: OcclusionGrid, patches: readonly Patch[], fill: number): Float32Array {
  const { width, height } = grid;
  const size = width * height;
  const batch = new Float32Array((patches.length + 1) * size);
  batch.set(input, 0);
  patches.forEach((patch, k) => {
    const row = (k + 1) * size;
    batch.set(input, row);
    forEachPixel(patch, grid, (pixel) => {
      batch[row + pixel] = fill;
    });
  });
  return batch;
}

/** How much blanking `patch` changes `input`: the sum of |value − fill| over its pixels (0 over empty background). */
export function occludedInk(input: Float32Array, patch: Patch, grid: Pick<OcclusionGrid, 'width' | 'height'>, fill: number): number {
  let ink = 0;
  forEachPixel(patch, grid, (pixel) => {
    ink += Math.abs(input[pixel]! - fill);
  });
  return ink;
}

/** Calls `visit` with the flat index of every pixel of `patch` that lies inside the picture. */
export function forEachPixel(patch: Patch, grid: Pick<OcclusionGrid, 'width' | 'height'>, visit: (pixel: number) => void): void {
  const y0 = Math.max(0, patch.y);
  const y1 = Math.min(grid.height, patch.y + patch.size);
  const x0 = Math.max(0, patch.x);
  const x1 = Math.min(grid.width, patch.x + patch.size);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) visit(y * grid.width + x);
}
