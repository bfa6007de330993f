import type { KeyValueStore } from '../store/key-value-store.js';

export interface Rejection {
  at: number;
  reason: string;
}

const key = (name: string, version: string): string => `rejected:${name}@${version}`;

/**
 * Versions this installation rolled back from. A rejected version is not installed again; a
 * fixed release needs a new version number, which is how a model registry treats it too.
 */
export class RejectedVersions {
  constructor(private readonly store: KeyValueStore | undefined) {}

  async has(name: string, version: string): Promise<boolean> {
    return (await this.store?.get<Rejection>(key(name, version)).catch(() => undefined)) !== undefined;
  }

  async add(name: string, version: string, reason: string): Promise<void> {
    await this.store?.putMany([[key(name, version), { at: Date.now(), reason } satisfies Rejection]]).catch(() => undefined);
  }
}
