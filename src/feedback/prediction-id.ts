/**
 * A prediction id: 128 random bits as hex from the platform's CSPRNG. Not `crypto.randomUUID`,
 * which browsers only offer in secure contexts.
 */
export function newPredictionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let id = '';
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0');
  return id;
}
