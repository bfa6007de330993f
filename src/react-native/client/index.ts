// modelship/react-native/client: the bridge client alone, with no React or React Native import.
export { createWebViewModel } from './create-webview-model.js';
export type { CallOptions, WebViewHandle, WebViewModel, WebViewModelEvents, WebViewModelOptions } from './create-webview-model.js';
export type { AppInput } from './encode-input.js';
export { createSessionToken, tokenScript } from './token.js';
export { ModelshipError, isModelshipError } from '../../errors.js';
export type { ModelshipErrorCode } from '../../errors.js';
export type * from '../protocol.js';
export { DEFAULT_LIMITS } from '../wire/limits.js';
export type { LoadProgress, ModelInfo, Prediction, TopEntry } from '../../types.js';
