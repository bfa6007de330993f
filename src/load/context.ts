import type { DeviceProfile } from '../device/types.js';
import type { Emitter } from '../emitter.js';
import type { ModelshipWarningCode } from '../errors.js';
import type { ModelEvents } from '../model-types.js';
import type { WarmRuntimes } from '../plan/warm-runtimes.js';
import type { Prestarts } from './prestart.js';
import type { ModelCache } from '../store/model-cache.js';
import type { LoadOptions, LoadProgress } from './options.js';

/** The options that shape the model for its whole life; `signal` and `onProgress` belong to one load only. */
export type ModelSettings = Omit<LoadOptions, 'signal' | 'onProgress' | 'onFallback' | 'onWarning'>;

/** What every load of this model shares, the first and every later one (fallback, update, rollback, worker restart). */
export interface ModelContext {
  device: DeviceProfile;
  cache: ModelCache | undefined;
  settings: ModelSettings;
  events: Emitter<ModelEvents>;
  /** Aborted by `dispose()`: ends whatever work the model started after its load. */
  lifetime: AbortSignal;
  /** The cache is shared with other tabs (IndexedDB): downloads take a Web Lock. */
  sharedCache: boolean;
  /** Runtimes that started here before (read once per loadModel; the plan counts no download for them), and where a start is recorded. */
  warm?: ReadonlySet<string>;
  warmRuntimes?: WarmRuntimes;
  /** Workers whose runtime started before this load reached its engine step (see prestart.ts). */
  prestarts?: Prestarts;
}

/** One load's own controls. The first load gets the app's; later loads get the model's lifetime and no progress. */
export interface LoadScope {
  signal: AbortSignal;
  onProgress?: (event: LoadProgress) => void;
}

export const lifetimeScope = (context: ModelContext): LoadScope => ({ signal: context.lifetime });

export const warnVia =
  (events: Emitter<ModelEvents>) =>
  (code: ModelshipWarningCode, message: string, cause?: unknown): void =>
    events.emit('warning', { code, message, cause });
