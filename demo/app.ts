import { loadModel, type LoadProgress, type Model, type Prediction } from 'modelship';
import { createLoopPanel, demoFeedbackOptions } from './loop-panel.js';
import { markClass, showModelCard } from './model-card.js';
import { createPad } from './pad.js';
import { describeStorage, startServiceWorker, trackConnectivity } from './pwa.js';

const MANIFEST_URL = '/models/mnist/manifest.json';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const text = (id: string, value: string): void => {
  byId(id).textContent = value;
};

function showProgress(event: LoadProgress): void {
  const bar = byId<HTMLProgressElement>('progress');
  if (event.type === 'download') {
    bar.value = event.overall.loaded / event.overall.total;
    text('status', `downloading ${event.file} (${event.overall.loaded} / ${event.overall.total} bytes)`);
  } else if (event.type === 'cache-hit') {
    bar.value = 1;
    text('status', `loaded ${event.bytes} bytes from the device cache`);
  } else if (event.type === 'compile') {
    text('status', `starting ${event.runtime}…`);
  } else if (event.type === 'ready') {
    bar.value = 1;
  }
}

function showPrediction(model: Model, prediction: Prediction): void {
  text('label', prediction.label);
  text('confidence', `${(prediction.scores[prediction.index]! * 100).toFixed(1)}%`);
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
  text('runtime', prediction.runtime);
  text('variant', prediction.variant);
  text('latency', `${prediction.latencyMs.toFixed(1)} ms`);
  markClass(prediction.label);
  document.body.dataset['label'] = prediction.label;
  document.body.dataset['predictions'] = String(Number(document.body.dataset['predictions'] ?? '0') + 1);
}

async function main(): Promise<void> {
  startServiceWorker();
  trackConnectivity();
  void showModelCard(new URL('./', new URL(MANIFEST_URL, location.href)).href);
  const canvas = byId<HTMLCanvasElement>('pad');
  let model: Model | undefined;
  let running = Promise.resolve();
  const loop = createLoopPanel(document.querySelector('.result')!);
  const pad = createPad(canvas, () => {
    running = running.then(async () => {
      if (!model || pad.isEmpty()) return;
      try {
        const prediction = await model.predict(canvas);
        showPrediction(model, prediction);
        loop.show(model, prediction, canvas);
      } catch (error) {
        text('status', `prediction failed: ${(error as Error).message}`);
      }
    });
  });
  byId('clear').addEventListener('click', () => {
    pad.clear();
    text('label', '–');
    text('confidence', '');
    byId('bars').replaceChildren();
    markClass('');
    loop.clear();
  });
  try {
    // The PWA precaches onnx-wasm for offline use (scripts/build-sw.mjs), so the demo names it; without
    // `backends`, auto would start the runtime with the fewest bytes to download (README, Backends).
    model = await loadModel(MANIFEST_URL, { onProgress: showProgress, wasmPaths: '/wasm/', backends: ['onnx-wasm'], feedback: demoFeedbackOptions() });
    const info = model.info();
    text('model', `${info.name} ${info.version}`);
    text('runtime', `${info.runtime} (onnxruntime-web ${info.runtimeVersion})`);
    text('variant', `${info.variant} (${(info.accuracy * 100).toFixed(2)}% held-out accuracy)`);
    text('route', info.route);
    text('cache', `${info.cache.status}, ${info.cache.bytes} bytes`);
    void describeStorage(info.cache.bytes, info.cache.status).then((value) => text('cache', value));
    text('status', `ready — ${info.reason}`);
    document.body.dataset['ready'] = 'true';
  } catch (error) {
    text('status', `could not load the model: ${(error as Error).message}`);
    document.body.dataset['error'] = (error as { code?: string }).code ?? 'ERROR';
  }
}

void main();
