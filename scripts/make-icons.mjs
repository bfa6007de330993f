// Draws the demo's app icons (a white 7 on the demo's blue) and writes them as PNG with a tiny
// encoder (zlib + CRC-32). Run by hand when the design changes; the PNGs are committed, so the
// build needs no image tool (this machine's ImageMagick `convert` is a stand-in).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGBA, 8 bits per channel, no interlace; every scanline with filter type 0. */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const distanceToSegment = (px, py, [ax, ay], [bx, by]) => {
  const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
};

/** Full-bleed blue (safe for maskable crops), a white 7 inside the central safe zone. */
function drawIcon(size) {
  const rgba = new Uint8Array(size * size * 4);
  const stroke = [[0.33, 0.3], [0.67, 0.3], [0.45, 0.72]];
  const half = 0.055 * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [px, py] = [(x + 0.5) / size, (y + 0.5) / size];
      const d = Math.min(distanceToSegment(px, py, stroke[0], stroke[1]), distanceToSegment(px, py, stroke[1], stroke[2])) * size;
      const ink = Math.max(0, Math.min(1, half + 0.5 - d)); // one pixel of anti-aliasing
      const blue = [0x2f, 0x6f, 0xd0];
      const at = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) rgba[at + c] = Math.round(blue[c] * (1 - ink) + 255 * ink);
      rgba[at + 3] = 255;
    }
  }
  return encodePng(size, size, rgba);
}

for (const size of [192, 512]) writeFileSync(new URL(`../demo/icons/icon-${size}.png`, import.meta.url), drawIcon(size));
