import { useEffect, useState } from 'react';
import type { LoadProgress, ModelInfo } from '../../types.js';
import type { WireLoadOptions } from '../protocol.js';
import { createWebViewModel, type WebViewModel, type WebViewModelOptions } from './create-webview-model.js';

export interface UseModelshipOptions extends Omit<WebViewModelOptions, 'webView'> {
  manifestUrl: string;
  loadOptions?: WireLoadOptions;
}

export interface UseModelshipResult {
  /** Stable for the component's life; hand it to `<ModelshipWebView model={model} … />`. */
  model: WebViewModel;
  status: 'loading' | 'ready' | 'error';
  progress: LoadProgress | undefined;
  info: ModelInfo | undefined;
  error: Error | undefined;
}

/** Creates the app-side model once, loads `manifestUrl` into the page and tracks progress; after the page restarts it loads again at once. */
export function useModelship({ manifestUrl, loadOptions, ...options }: UseModelshipOptions): UseModelshipResult {
  // One model per component (lazy state, created once): the token is injected into the WebView once.
  const [model] = useState(() => createWebViewModel(options));
  const [state, setState] = useState<Omit<UseModelshipResult, 'model'>>({ status: 'loading', progress: undefined, info: undefined, error: undefined });
  const optionsKey = JSON.stringify(loadOptions ?? {});

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-load when the options' JSON changes, not for every new options object
  useEffect(() => {
    let live = true;
    let restarted = false;
    const load = (): void => {
      setState((s) => ({ ...s, status: 'loading', progress: undefined, error: undefined }));
      model.load(manifestUrl, loadOptions).then(
        (info) => live && setState((s) => ({ ...s, status: 'ready', info, error: undefined })),
        (error: Error) => live && setState((s) => ({ ...s, status: 'error', error })),
      );
    };
    const offProgress = model.on('progress', (progress) => live && setState((s) => ({ ...s, progress })));
    // After a process death or a reload, warm the model again as soon as the new page says hello.
    const offGone = model.on('gone', () => {
      restarted = true;
      if (live) setState((s) => ({ ...s, status: 'loading', progress: undefined }));
    });
    const offHello = model.on('hello', () => {
      if (!restarted || !live) return;
      restarted = false;
      load();
    });
    setState({ status: 'loading', progress: undefined, info: undefined, error: undefined });
    load();
    return () => {
      live = false;
      offProgress();
      offGone();
      offHello();
    };
  }, [model, manifestUrl, optionsKey]);

  return { model, ...state };
}
