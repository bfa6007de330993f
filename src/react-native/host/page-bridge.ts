import type { BridgeLimits, PageMessage } from '../protocol.js';
import { splitMessage } from '../wire/chunks.js';

/** What react-native-webview injects into the page: the one way out. */
export interface ReactNativeWebViewGlobal {
  postMessage(message: string): void;
}

export interface PageBridge {
  send(message: PageMessage, id?: string): void;
  stop(): void;
}

/**
 * The page's end of the bridge. react-native-webview dispatches app messages as a `message` event
 * on `window` (iOS) or on `document` (Android); both are heard, and an event seen on both (a
 * bubbling one) is handled once. Only string `data` counts: other window messages are not ours.
 */
export function openPageBridge(receive: (raw: string) => void, limits: BridgeLimits, target: Window = window): PageBridge {
  const seen = new WeakSet<Event>();
  const listener = (event: Event): void => {
    if (seen.has(event)) return;
    seen.add(event);
    const data = (event as MessageEvent).data;
    if (typeof data === 'string') receive(data);
  };
  target.addEventListener('message', listener);
  target.document.addEventListener('message', listener);
  let counter = 0;
  return {
    send(message, id) {
      const native = (target as unknown as { ReactNativeWebView?: ReactNativeWebViewGlobal }).ReactNativeWebView;
      // Outside a WebView there is nobody to talk to; the page stays idle rather than throwing.
      if (!native) return;
      const chunkId = id ?? `event-${++counter}`;
      for (const part of splitMessage(JSON.stringify(message), chunkId, limits.chunkChars)) native.postMessage(part);
    },
    stop() {
      target.removeEventListener('message', listener);
      target.document.removeEventListener('message', listener);
    },
  };
}
