/** Ids drawn per refill of the pool: one `getRandomValues` call (≈10 µs in Chromium, most of it the call itself) serves this many predictions. */
const IDS_PER_REFILL = 64;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/**
 * Prediction ids: 128 random bits as hex from the platform's CSPRNG. Not `crypto.randomUUID`, which
 * browsers only offer in secure contexts. The bytes come from a pool filled by one call for many ids
 * (each id's 16 bytes are used once); each Model owns its pool.
 */
export class PredictionIds {
  private pool = new Uint8Array(0);
  private next = 0;

  draw(): string {
    if (this.next + 16 > this.pool.length) {
      this.pool = crypto.getRandomValues(new Uint8Array(16 * IDS_PER_REFILL));
      this.next = 0;
    }
    let id = '';
    for (let index = this.next; index < this.next + 16; index++) id += HEX[this.pool[index]!];
    this.next += 16;
    return id;
  }
}
