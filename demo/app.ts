import { loadModel, type LoadProgress, type Model, type Prediction } from 'modelship';
import { createLoopPanel, demoFeedbackOptions } from './loop-panel.js';
import { markClass, showModelCard } from './model-card.js';
import { showMonitoring } from './monitoring-panel.js';
import { createPad } from './pad.js';
import { describeStorage, startServiceWorker, trackConnectivity } from './pwa.js';

const MANIFEST_URL = '/models/mnist/manifest.json';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const text = (id: string, value: string): void => {
  byId(id).textContent = value;
};

const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * One bar for the load: the model's files and, on a first visit, the runtime's wasm, which download
 * side by side (the runtime's inside the worker, reported as `runtime-download`). The bar is their
 * bytes together; the status names what is still arriving. It hides when the model is ready.
 */
function progressView(): (event: LoadProgress) => void {
  const bar = byId<HTMLProgressElement>('progress');
  let files: { loaded: number; total: number } | undefined;
  let runtime: { name: string; loaded: number; total: number } | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let starting: (() => void) | undefined;
  const show = (): void => {
    const parts = [files, runtime].filter((part) => part !== undefined);
    const total = parts.reduce((sum, part) => sum + part.total, 0);
    if (total > 0) bar.value = parts.reduce((sum, part) => sum + part.loaded, 0) / total;
    const lines: string[] = [];
    if (files && files.loaded < files.total) lines.push(`Downloading the model: ${kb(files.loaded)} of ${kb(files.total)}`);
    if (runtime && runtime.loaded < runtime.total) {
      lines.push(`Downloading the ${runtime.name} runtime: ${mb(runtime.loaded)} of ${mb(runtime.total)} (first visit only, then cached)`);
    }
    if (lines.length > 0) text('status', lines.join(' · '));
  };
  return (event) => {
    bar.hidden = false;
    if (event.type === 'download') {
      files = { loaded: event.overall.loaded, total: event.overall.total };
      show();
    } else if (event.type === 'cache-hit') {
      files = { loaded: event.bytes, total: event.bytes };
      text('status', `Model found on this device (${kb(event.bytes)}), nothing to download`);
      show();
    } else if (event.type === 'runtime-download') {
      runtime = { name: event.runtime, loaded: event.loaded, total: event.total };
      show();
      starting?.();
    } else if (event.type === 'compile') {
      // The files are in; the runtime may still be downloading (its events keep the bar moving), or compiling.
      const started = Date.now();
      starting = (): void => {
        if (runtime && runtime.loaded < runtime.total) return;
        bar.removeAttribute('value');
        text('status', `Starting the ${event.runtime} runtime… ${Math.round((Date.now() - started) / 1000)} s`);
      };
      starting();
      ticker = setInterval(starting, 1000);
    } else if (event.type === 'ready') {
      clearInterval(ticker);
      bar.value = 1;
      bar.hidden = true;
    }
  };
}

const REASONS: Record<string, string> = {
  empty: 'the pad is empty',
  'out-of-distribution': 'this does not look like the digits it learned from',
  'low-confidence': 'it is torn between several digits',
};

function showPrediction(model: Model, prediction: Prediction): void {
  text('label', prediction.label);
  const sure = Math.round(prediction.scores[prediction.index]! * 100);
  text('confidence', prediction.abstain ? `its best guess, ${sure}% sure` : `${sure}% sure`);
  byId('verdict').hidden = !prediction.abstain;
  text('verdict', prediction.abstain ? `Not sure this is a digit: ${REASONS[prediction.abstainReason ?? ''] ?? 'it abstained'}.` : '');
  document.body.dataset['abstain'] = prediction.abstainReason ?? '';
  byId('result').classList.toggle('abstained', prediction.abstain);
  const bars = byId('bars');
  bars.replaceChildren(
    ...prediction.scores.map((score, index) => {
      const item = document.createElement('li');
      if (index === prediction.index) item.className = 'best';
      const name = document.createElement('span');
      name.textContent = model.info().labels[index] ?? String(index);
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.style.width = `${(score * 100).toFixed(1)}%`;
      bar.append(fill);
      const value = document.createElement('span');
      value.textContent = `${(score * 100).toFixed(1)}%`;
      item.append(name, bar, value);
      return item;
    }),
  );
  text('route', prediction.route);
  // The runtime that answered (a fallback may differ from the one loaded); its version stays in #runtime-version.
  text('runtime', prediction.runtime);
  text('variant', prediction.variant);
  text('latency', `${prediction.latencyMs.toFixed(1)} ms`);
  markClass(prediction.label);
  showMonitoring(model);
  document.body.dataset['label'] = prediction.label;
  document.body.dataset['predictions'] = String(Number(document.body.dataset['predictions'] ?? '0') + 1);
}

async function main(): Promise<void> {
  startServiceWorker();
  trackConnectivity();
  const canvas = byId<HTMLCanvasElement>('pad');
  let model: Model | undefined;
  let running = Promise.resolve();
  const loop = createLoopPanel(document.querySelector('.result')!);
  const predictPad = (): void => {
    running = running.then(async () => {
      // A drawing made while the model loads waits: it is predicted once the model is ready (below).
      if (!model || pad.isEmpty()) return;
      try {
        const prediction = await model.predict(canvas);
        showPrediction(model, prediction);
        loop.show(model, prediction, canvas);
      } catch (error) {
        text('status', `prediction failed: ${(error as Error).message}`);
      }
    });
  };
  const pad = createPad(canvas, () => {
    byId('hint').hidden = true;
    if (!model) text('label', '…');
    predictPad();
  });
  byId('clear').addEventListener('click', () => {
    pad.clear();
    byId('hint').hidden = false;
    byId('verdict').hidden = true;
    text('label', '–');
    text('confidence', '');
    byId('bars').replaceChildren();
    markClass('');
    loop.clear();
  });
  try {
    // The PWA precaches onnx-wasm for offline use (scripts/build-sw.mjs), so the demo names it; without
    // `backends`, auto would start the runtime with the fewest bytes to download (README, Backends).
    model = await loadModel(MANIFEST_URL, { onProgress: progressView(), wasmPaths: '/wasm/', backends: ['onnx-wasm'], feedback: demoFeedbackOptions() });
    const info = model.info();
    text('model', `${info.name} ${info.version}`);
    text('runtime', info.runtime);
    text('runtime-version', `${info.runtime.startsWith('tfjs') ? 'TensorFlow.js' : 'onnxruntime-web'} ${info.runtimeVersion}`);
    // Plain words for info().transport: shared memory needs a page served with COOP/COEP headers (README).
    text(
      'transport',
      info.transport?.kind === 'shared-memory'
        ? 'through memory shared with the worker'
        : info.transport
          ? `as messages to the worker${globalThis.crossOriginIsolated ? '' : ' (this page is not cross-origin isolated, so it cannot share memory with it)'}`
          : 'in this thread',
    );
    text('variant', `${info.variant}, right on ${(info.accuracy * 100).toFixed(1)}% of held-out test digits`);
    text('route', info.route === 'local' ? 'local (on this device)' : 'remote server');
    text('cache', `${info.cache.status}, ${info.cache.bytes} bytes`);
    void describeStorage(info.cache.bytes, info.cache.status).then((value) => text('cache', value));
    const from = info.cache.status === 'hit' ? 'loaded from this device, nothing downloaded' : `downloaded ${kb(info.cache.bytes)} once, kept on this device`;
    text('status', `Ready: the ${info.variant} model runs on ${info.runtime} in this browser (${from}).`);
    document.body.dataset['variant'] = info.variant;
    void showModelCard(new URL('./', new URL(MANIFEST_URL, location.href)).href, info.variant, info.accuracy);
    document.body.dataset['ready'] = 'true';
    showMonitoring(model);
    predictPad();
  } catch (error) {
    text('status', `could not load the model: ${(error as Error).message}`);
    document.body.dataset['error'] = (error as { code?: string }).code ?? 'ERROR';
  }
}

void main();
