// The host page's entry: runs modelship inside a react-native-webview and talks to the app over
// the bridge (protocol version 1, see ../protocol.ts). Built to dist/react-native/host.js.
import type { LoadOptions } from 'modelship';
import { Reassembler } from '../wire/chunks.js';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '../wire/limits.js';
import { probeCapabilities } from './capabilities.js';
import { Dispatcher } from './dispatcher.js';
import { openPageBridge, type PageBridge } from './page-bridge.js';
import { parseRequest } from './parse-request.js';

declare const __MODELSHIP_VERSION__: string;

/** Starts the host: one bridge, one dispatcher, `hello` once listening. Exported for the inlined (bundled-in-app) build. */
export function startHost(target: Window = window): PageBridge {
  const root = target.document.documentElement;
  const limits = DEFAULT_LIMITS;
  const chunks = new Reassembler(limits.chunkChars, limits.maxMessageChars);
  const defaults: Partial<LoadOptions> = {};
  // The page may say where its runtime wasm lives (the served page does); the app's options win.
  if (root.dataset['wasmPaths']) defaults.wasmPaths = new URL(root.dataset['wasmPaths'], target.location.href).href;
  // The inlined page has no worker file and only the runtimes it carries.
  if (root.dataset['worker'] === 'false') defaults.worker = false;
  if (root.dataset['backends']) defaults.backends = root.dataset['backends'].split(',') as LoadOptions['backends'];
  const bridge = openPageBridge(
    (raw) => {
      // Read per message: injectedJavaScriptBeforeContentLoaded may run after this script on some Android versions.
      const parsed = parseRequest(raw, readToken(target), limits, chunks);
      if (parsed.kind === 'request') dispatcher.handle(parsed.request);
      else if (parsed.kind === 'invalid' && parsed.id !== undefined)
        bridge.send({ v: PROTOCOL_VERSION, id: parsed.id, ok: false, error: parsed.error }, parsed.id);
      else if (parsed.kind === 'invalid') bridge.send({ v: PROTOCOL_VERSION, event: 'warning', data: parsed.error });
    },
    limits,
    target,
  );
  const dispatcher = new Dispatcher({ reply: (reply) => bridge.send(reply, reply.id), emit: (event) => bridge.send(event), defaults });
  bridge.send({
    v: PROTOCOL_VERSION,
    event: 'hello',
    data: { protocol: PROTOCOL_VERSION, version: __MODELSHIP_VERSION__, instance: randomInstance(), capabilities: probeCapabilities(), limits },
  });
  root.dataset['modelshipHost'] = readToken(target) === undefined ? 'no-token' : 'ready';
  return bridge;
}

function readToken(target: Window): string | undefined {
  const token = (target as unknown as { __MODELSHIP_RN_TOKEN__?: unknown }).__MODELSHIP_RN_TOKEN__;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

function randomInstance(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function registerServiceWorker(target: Window): Promise<void> {
  const url = target.document.documentElement.dataset['serviceWorker'];
  if (!url || !('serviceWorker' in target.navigator)) return;
  try {
    await target.navigator.serviceWorker.register(url);
  } catch (error) {
    // Offline start is then unavailable; the page still works online, and says so.
    target.document.documentElement.dataset['serviceWorkerError'] = String(error);
  }
}

if (typeof window !== 'undefined' && !(window as unknown as { __MODELSHIP_RN_MANUAL__?: boolean }).__MODELSHIP_RN_MANUAL__) {
  startHost(window);
  void registerServiceWorker(window);
}
