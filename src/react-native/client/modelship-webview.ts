// React Native only: renders the host page in a react-native-webview with the props the bridge needs.
// Written with createElement so the package needs no JSX build step.
import { createElement, useCallback, useRef, useState, type ReactElement } from 'react';
import { WebView, type WebViewProps } from 'react-native-webview';
import type { WebViewModel } from './create-webview-model.js';
import { tokenScript } from './token.js';

export interface ModelshipWebViewProps {
  model: WebViewModel;
  /**
   * Where the host page comes from: `{ uri: 'https://your.site/react-native/' }` (served, offline
   * through its service worker) or `{ html: hostHtml, baseUrl: 'https://your.site/' }` (bundled in
   * the app; the base URL gives the page an origin for IndexedDB and fetches).
   */
  source: WebViewProps['source'];
  /** Origins the WebView may navigate to; default the page's own (http(s) and about:blank for inline HTML). */
  originWhitelist?: string[];
  style?: WebViewProps['style'];
}

/**
 * The host page, invisible by default (a zero-size WebView still runs). When the OS kills the
 * WebView's process the model's pending calls fail at once and the WebView is re-created
 * (Android needs a new instance after onRenderProcessGone; iOS gets the same for simplicity).
 */
export function ModelshipWebView({ model, source, originWhitelist, style }: ModelshipWebViewProps): ReactElement {
  const [generation, setGeneration] = useState(0);
  const ref = useRef<WebView>(null);
  model.attach(() => ref.current);
  const restart = useCallback(
    (reason: string) => {
      model.handleProcessGone(reason);
      setGeneration((n) => n + 1);
    },
    [model],
  );
  return createElement(WebView, {
    key: generation,
    ref,
    source,
    originWhitelist: originWhitelist ?? ['https://*', 'http://*', 'about:blank'],
    javaScriptEnabled: true,
    domStorageEnabled: true,
    injectedJavaScriptBeforeContentLoaded: tokenScript(model.token),
    onMessage: (event) => model.handleMessage(event.nativeEvent.data),
    onRenderProcessGone: (event) => restart(event.nativeEvent.didCrash ? 'render-process-crashed' : 'render-process-killed'),
    onContentProcessDidTerminate: () => restart('content-process-terminated'),
    style: style ?? { width: 0, height: 0, position: 'absolute' },
  });
}
