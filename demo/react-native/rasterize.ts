// Strokes on the pad → the model's 28×28 input, MNIST-style: the ink's bounding box scaled into
// 20×20, then shifted so its centre of mass sits in the middle of 28×28. Done in the app so only
// 784 floats (4.2 KB of base64) cross the bridge instead of a picture.

export type Point = { x: number; y: number };
export type Stroke = Point[];

const SIZE = 28;
const BOX = 20;
const GRID = 112; // draw at 4× and average down, for anti-aliased ink

export function rasterize(strokes: readonly Stroke[], padSize: number): Float32Array {
  const ink = new Float32Array(GRID * GRID);
  const brush = GRID / 18;
  const scale = GRID / padSize;
  for (const stroke of strokes) {
    stroke.forEach((point, i) => {
      const from = stroke[Math.max(0, i - 1)] ?? point;
      const steps = Math.max(1, Math.ceil(Math.hypot(point.x - from.x, point.y - from.y) * scale));
      for (let s = 0; s <= steps; s++) {
        const x = (from.x + ((point.x - from.x) * s) / steps) * scale;
        const y = (from.y + ((point.y - from.y) * s) / steps) * scale;
        for (let dy = -brush; dy <= brush; dy++) {
          for (let dx = -brush; dx <= brush; dx++) {
            const px = Math.round(x + dx);
            const py = Math.round(y + dy);
            if (px >= 0 && py >= 0 && px < GRID && py < GRID && dx * dx + dy * dy <= brush * brush) ink[py * GRID + px] = 1;
          }
        }
      }
    });
  }
  return centre(ink);
}

function centre(ink: Float32Array): Float32Array {
  let minX = GRID,
    minY = GRID,
    maxX = -1,
    maxY = -1;
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      if (ink[y * GRID + x]! > 0) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  const out = new Float32Array(SIZE * SIZE);
  if (maxX < 0) return out;
  const side = Math.max(maxX - minX, maxY - minY) + 1;
  const k = BOX / side;
  // Sample the box into 20×20 (area average), then place by centre of mass.
  const box = new Float32Array(BOX * BOX);
  let mass = 0,
    mx = 0,
    my = 0;
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const v = ink[y * GRID + x]!;
      if (v === 0) continue;
      const bx = Math.min(BOX - 1, Math.floor((x - minX + (side - (maxX - minX + 1)) / 2) * k));
      const by = Math.min(BOX - 1, Math.floor((y - minY + (side - (maxY - minY + 1)) / 2) * k));
      box[by * BOX + bx]! += v * k * k;
    }
  }
  for (let i = 0; i < box.length; i++) {
    box[i] = Math.min(1, box[i]!);
    mass += box[i]!;
    mx += (i % BOX) * box[i]!;
    my += Math.floor(i / BOX) * box[i]!;
  }
  const ox = Math.round(SIZE / 2 - mx / mass - 0.5);
  const oy = Math.round(SIZE / 2 - my / mass - 0.5);
  for (let y = 0; y < BOX; y++) {
    for (let x = 0; x < BOX; x++) {
      const tx = x + ox;
      const ty = y + oy;
      if (tx >= 0 && ty >= 0 && tx < SIZE && ty < SIZE) out[ty * SIZE + tx] = box[y * BOX + x]!;
    }
  }
  return out;
}
