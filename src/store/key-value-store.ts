/** The narrow storage contract the model cache needs; IndexedDB and memory implement it. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  /** All entries land, or none does. */
  putMany(entries: [string, unknown][]): Promise<void>;
  deleteMany(keys: string[]): Promise<void>;
  keys(): Promise<string[]>;
}
