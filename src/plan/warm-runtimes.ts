import type { KeyValueStore } from '../store/key-value-store.js';
import type { RuntimeName } from '../runtimes/types.js';
import { RUNTIME_TABLE } from './runtime-table.generated.js';

const KEY = 'runtime:warm';

/** `runtime@version` as built into this modelship: the key a warm runtime is remembered under. */
export const runtimeKey = (runtime: RuntimeName): string => `${runtime}@${RUNTIME_TABLE[runtime].version}`;
/** Bounded: one entry per runtime and version; older versions fall off. */
const MAX_ENTRIES = 16;

/**
 * The runtimes (at the version built into this modelship) that loaded and passed their proof in
 * this store before. Their JS and wasm came from this origin, so the browser's HTTP cache most
 * likely still holds them: the plan counts no download for them. A wrong guess costs one download,
 * never a wrong answer.
 */
export class WarmRuntimes {
  constructor(private readonly store: KeyValueStore | undefined) {}

  async list(): Promise<ReadonlySet<string>> {
    if (!this.store) return new Set();
    try {
      const stored = await this.store.get<unknown>(KEY);
      return new Set(Array.isArray(stored) ? stored.filter((entry): entry is string => typeof entry === 'string') : []);
    } catch {
      // An unreadable record only means every runtime counts as cold.
      return new Set();
    }
  }

  async record(runtime: RuntimeName): Promise<void> {
    if (!this.store) return;
    const key = runtimeKey(runtime);
    const known = [...(await this.list())].filter((entry) => entry !== key);
    await this.store.putMany([[KEY, [key, ...known].slice(0, MAX_ENTRIES)]]);
  }
}
