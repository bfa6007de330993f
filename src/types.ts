// The public types, re-exported from where each is defined; nothing inside the library imports this file.
export type { DeviceOverrides, DeviceProfile } from './device/types.js';
export type { EngineHealth as RemoteHealth } from './engine.js';
export type { CacheStatus } from './fetch/model-files.js';
export type { LoadOptions, LoadProgress, RemoteOptions } from './load/options.js';
export type { LoadPhase, LoadPhaseName, LoadTimings } from './load/timings.js';
export type { ModelEvents, ModelInfo, PredictOptions, Prediction, TopEntry } from './model-types.js';
export type { ModelInput } from './preprocess/input.js';
export type { RoutePreference } from './route/route-policy.js';
export type { RuntimeName } from './runtimes/types.js';
