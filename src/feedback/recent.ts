/** What is kept of a recent prediction so it can be corrected: the input it saw and its answer. */
export interface Remembered {
  input: Float32Array;
  label: string;
  index: number;
  scores: number[];
  version: string;
  variant: string;
}

/** A bounded map, oldest first out: inputs of the last `capacity` predictions, in memory only. */
export class RecentPredictions {
  private readonly entries = new Map<string, Remembered>();

  constructor(private readonly capacity: number) {}

  add(id: string, value: Remembered): void {
    this.entries.set(id, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get(id: string): Remembered | undefined {
    return this.entries.get(id);
  }
}
