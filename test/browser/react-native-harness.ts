// A simulated react-native-webview around the real host page, with the real app-side client
// (dist/react-native/client.js) running here in Node. Node stands in for the app's JS runtime:
// like Hermes it has no DOM, and only strings cross between it and the page, as on the real bridge.
import type { Page } from '@playwright/test';
import type { WebViewModel, WebViewModelOptions } from '../../src/react-native/client/index.js';

export type Platform = 'ios' | 'android';

export interface SimulatedWebView {
  model: WebViewModel;
  /** Every string the page sent through window.ReactNativeWebView.postMessage, in order. */
  outgoing: string[];
  /** Delivers one string into the page the way react-native-webview does on `platform`. */
  inject(raw: string, as?: Platform): Promise<void>;
  /** Parsed outgoing messages that are not chunks. */
  messages(): Record<string, unknown>[];
  /** While on, replies from the page are lost on the way (as when its process dies mid-reply); events still pass. */
  loseReplies(on: boolean): void;
  /** Replies lost so far. */
  lost: string[];
}

/** The built client, imported like an app would (the tests run against dist/). */
export async function importClient(): Promise<typeof import('../../src/react-native/client/index.js')> {
  return (await import(new URL('../../dist/react-native/client.js', import.meta.url).href)) as typeof import('../../src/react-native/client/index.js');
}

/**
 * Sets up the bridge before the page's scripts run (on every load, as react-native-webview's
 * injectedJavaScriptBeforeContentLoaded does), then navigates. `token: null` injects none.
 */
export async function openHost(
  page: Page,
  url: string,
  options: { platform?: Platform; token?: string | null; client?: WebViewModelOptions } = {},
): Promise<SimulatedWebView> {
  const { createWebViewModel } = await importClient();
  const platform = options.platform ?? 'ios';
  const outgoing: string[] = [];
  const lost: string[] = [];
  let losing = false;
  const model = createWebViewModel({ token: options.token ?? 'session-token-1234', helloTimeoutMs: 30_000, ...options.client });
  await page.exposeFunction('__rnOut', (raw: string) => {
    outgoing.push(raw);
    if (losing && !raw.includes('"event":')) lost.push(raw);
    else model.handleMessage(raw);
  });
  await page.addInitScript(
    (token) => {
      const w = window as unknown as Record<string, unknown>;
      if (token !== null) w['__MODELSHIP_RN_TOKEN__'] = token;
      w['ReactNativeWebView'] = { postMessage: (raw: string) => (w['__rnOut'] as (raw: string) => void)(raw) };
    },
    options.token === null ? null : model.token,
  );
  const inject = async (raw: string, as: Platform = platform): Promise<void> => {
    try {
      await page.evaluate(
        ({ raw, as }) => {
          // What react-native-webview's postMessage does: iOS dispatches on window, Android on document.
          const target = as === 'ios' ? window : document;
          target.dispatchEvent(new MessageEvent('message', { data: raw }));
        },
        { raw, as },
      );
    } catch {
      // The page is reloading or gone: the message is lost, as it would be in a real WebView.
    }
  };
  model.attach({ postMessage: (raw) => void inject(raw) });
  await page.goto(url);
  return {
    model,
    outgoing,
    inject,
    lost,
    loseReplies: (on) => (losing = on),
    messages: () => outgoing.map((raw) => JSON.parse(raw) as Record<string, unknown>).filter((m) => !('chunk' in m)),
  };
}

/** The manifest's golden digits as the model's preprocessed input (values 0..1). */
export async function goldenDigits(baseURL: string): Promise<{ label: string; input: Float32Array }[]> {
  const manifest = (await (await fetch(`${baseURL}/models/mnist/manifest.json`)).json()) as { golden: { inputUint8: string; label: number }[] };
  return manifest.golden.map((g) => ({ label: String(g.label), input: Float32Array.from(Buffer.from(g.inputUint8, 'base64'), (b) => b / 255) }));
}

/** A golden digit drawn as a PNG data URL of `size`×`size`, black ink on white like a photo of paper: the page's preprocessing must cope. */
export async function digitAsPng(page: Page, input: Float32Array, size: number): Promise<string> {
  return page.evaluate(
    async ({ values, size }) => {
      const small = new OffscreenCanvas(28, 28);
      const context = small.getContext('2d')!;
      const pixels = context.createImageData(28, 28);
      values.forEach((v, i) => {
        const grey = 255 - Math.round(v * 255);
        pixels.data.set([grey, grey, grey, 255], i * 4);
      });
      context.putImageData(pixels, 0, 0);
      const big = new OffscreenCanvas(size, size);
      const bigContext = big.getContext('2d')!;
      bigContext.imageSmoothingEnabled = true;
      bigContext.drawImage(small, 0, 0, size, size);
      const blob = await big.convertToBlob({ type: 'image/png' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = '';
      bytes.forEach((b) => (binary += String.fromCharCode(b)));
      return `data:image/png;base64,${btoa(binary)}`;
    },
    { values: Array.from(input), size },
  );
}
