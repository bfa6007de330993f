import type { Emitter } from '../emitter.js';
import { isModelshipError, ModelshipError } from '../errors.js';
import { validateManifest } from '../manifest/validate.js';
import type { Router } from '../route/router.js';
import type { Slot } from '../route/slot.js';
import { compareVersions } from '../store/semver.js';
import type { ModelCache } from '../store/model-cache.js';
import type { ModelEvents } from '../model-types.js';
import type { RejectedVersions } from './rejected.js';
import type { ResolvedManifest } from '../load/resolved-manifest.js';

export interface UpdateResult {
  updated: boolean;
  version: string;
  reason: string;
}

export interface UpdaterParts {
  router: Router;
  cache: ModelCache | undefined;
  rejected: RejectedVersions;
  events: Emitter<ModelEvents>;
  /** Revalidates the manifest the app asked for. */
  resolve: () => Promise<ResolvedManifest>;
  /** Loads and proves one version on this device (never remote: a server has its own versions). */
  loadVersion: (resolved: ResolvedManifest) => Promise<Slot>;
}

/** Moves a Model between versions: updates in the background, rolls back on request or on a failed proof. */
export class Updater {
  private running: Promise<UpdateResult> | undefined;

  constructor(private readonly parts: UpdaterParts) {}

  /** Revalidates now and installs a newer version if there is one; one check at a time. */
  checkForUpdate(next?: ResolvedManifest): Promise<UpdateResult> {
    this.running ??= this.update(next).finally(() => (this.running = undefined));
    return this.running;
  }

  async rollback(reason = 'rollback requested'): Promise<UpdateResult> {
    const { router, cache, events, rejected } = this.parts;
    const current = router.primary;
    const target = await cache?.previous(current.manifest.name, current.manifest.version, { manifestUrl: this.cacheUrl(current) });
    if (!target?.manifest) {
      throw new ModelshipError('ROLLBACK_UNAVAILABLE', `No earlier version of ${current.manifest.name} than ${current.manifest.version} is cached on this device`);
    }
    const manifest = validateManifest(target.manifest);
    const url = target.manifestUrl ?? this.cacheUrl(current);
    const slot = await this.parts.loadVersion({ manifest, cacheUrl: url, filesUrl: target.filesUrl ?? url, etag: target.etag ?? null, source: 'offline', cached: target });
    await rejected.add(current.manifest.name, current.manifest.version, reason);
    router.swapPrimary(slot);
    events.emit('rollback', { from: current.manifest.version, to: manifest.version, reason });
    return { updated: true, version: manifest.version, reason };
  }

  private async update(given: ResolvedManifest | undefined): Promise<UpdateResult> {
    const { router, rejected, events } = this.parts;
    const current = router.primary;
    if (current.route !== 'local') return { updated: false, version: current.manifest.version, reason: 'the remote serves its own versions' };
    const next = given ?? (await this.parts.resolve());
    const { name, version } = next.manifest;
    if (compareVersions(version, current.manifest.version) <= 0) {
      return { updated: false, version: current.manifest.version, reason: `${current.manifest.version} is current` };
    }
    if (await rejected.has(name, version)) return { updated: false, version: current.manifest.version, reason: `${version} was rolled back before` };
    let slot: Slot;
    try {
      slot = await this.parts.loadVersion(next);
    } catch (error) {
      if (!isModelshipError(error, 'BACKEND_UNAVAILABLE') && !isModelshipError(error, 'PROOF_FAILED')) throw error;
      // The new version computes wrong numbers here: keep serving the old one, and remember.
      await rejected.add(name, version, error.message);
      events.emit('rollback', { from: version, to: current.manifest.version, reason: `${version} failed on this device: ${error.message}` });
      return { updated: false, version: current.manifest.version, reason: error.message };
    }
    router.swapPrimary(slot);
    const reason = next.channel?.channel ? `channel ${next.channel.channel.name}: ${next.channel.reason}` : `manifest now names ${version}`;
    events.emit('update', { from: current.manifest.version, to: version, reason });
    return { updated: true, version, reason };
  }

  private cacheUrl(slot: Slot): string {
    return slot.cacheUrl ?? '';
  }
}
