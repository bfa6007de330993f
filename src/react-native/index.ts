// modelship/react-native: the bridge client plus the React hook and the WebView component.
export * from './client/index.js';
export { useModelship } from './client/use-modelship.js';
export type { UseModelshipOptions, UseModelshipResult } from './client/use-modelship.js';
export { ModelshipWebView } from './client/modelship-webview.js';
export type { ModelshipWebViewProps } from './client/modelship-webview.js';
