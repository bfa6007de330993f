export { loadModel } from './load/load-model.js';
export type { Model } from './model.js';
export { ModelshipError, isModelshipError } from './errors.js';
export type { ModelshipErrorCode, ModelshipErrorOptions, ModelshipWarningCode } from './errors.js';
export type { RunTransport } from './engine.js';
export type {
  CacheStatus,
  DeviceOverrides,
  DeviceProfile,
  LoadOptions,
  LoadPhase,
  LoadPhaseName,
  LoadProgress,
  LoadTimings,
  ModelEvents,
  ModelInfo,
  ModelInput,
  PredictOptions,
  Prediction,
  RemoteHealth,
  RemoteOptions,
  RoutePreference,
  RuntimeName,
  TopEntry,
} from './types.js';
export type { ExplainOptions, Explanation } from './explain/types.js';
export type { FeedbackCallOptions, FeedbackItem, FeedbackOptions, FeedbackResult } from './feedback/types.js';
export type { UpdateResult } from './lifecycle/updater.js';
export type { Manifest, Variant, ModelFile, GoldenVector, Preprocessing, Channel } from './manifest/types.js';
export type { KeyValueStore } from './store/key-value-store.js';
export { createMemoryStore } from './store/memory-store.js';
export { requestPersistence, storageEstimate } from './store/persistence.js';
export type { StorageInfo, StorageLike } from './store/persistence.js';
export type { DriftEvent, DriftThresholds, MonitoringOptions, MonitoringSnapshot, VersionUsage, DriftFigures } from './monitoring/types.js';
