// Float32 values ↔ base64 of their little-endian bytes. atob/btoa exist in browsers, Node ≥ 16 and
// Hermes (React Native ≥ 0.74), so neither side needs a dependency; bytes go through a binary
// string in slices because String.fromCharCode(...) has an argument-count limit.

const SLICE = 0x8000;
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += SLICE) binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  return btoa(binary);
}

/** Throws a DOMException/Error on characters outside the base64 alphabet. */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function float32ToBase64(values: Float32Array | readonly number[]): string {
  const floats = values instanceof Float32Array ? values : Float32Array.from(values);
  if (littleEndian) return bytesToBase64(new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength));
  const view = new DataView(new ArrayBuffer(floats.length * 4));
  floats.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytesToBase64(new Uint8Array(view.buffer));
}

/** undefined when the byte count is not a whole number of floats. */
export function base64ToFloat32(text: string): Float32Array | undefined {
  const bytes = base64ToBytes(text);
  if (bytes.length % 4 !== 0) return undefined;
  if (littleEndian) return new Float32Array(bytes.buffer, 0, bytes.length / 4);
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
