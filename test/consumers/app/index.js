// The app every consumer test builds: what a user writes, and nothing modelship-specific around it.
import { loadModel } from 'modelship';

const out = document.getElementById('out');
const manifestUrl = new URL('models/mnist/manifest.json', document.baseURI).href;

async function run() {
  const warnings = [];
  const fallbacks = [];
  const model = await loadModel(manifestUrl, {
    cache: 'memory',
    // onnx-wasm first: the test proves the bundler finds onnxruntime's wasm. Without `backends`, `auto`
    // starts the runtime with the fewest bytes to download (tfjs-wasm on a first visit; README, Backends).
    backends: ['onnx-wasm', 'tfjs-wasm', 'tfjs-cpu'],
    onWarning: (event) => warnings.push(`${event.code}: ${event.message}`),
    onFallback: (event) => fallbacks.push(`${event.from} → ${event.to}: ${event.reason}`),
  });
  // A held-out digit from the manifest's golden vectors, as 784 values in [0, 1].
  const manifest = await (await fetch(manifestUrl)).json();
  const golden = manifest.golden[3];
  const pixels = Uint8Array.from(atob(golden.inputUint8), (char) => char.charCodeAt(0));
  const prediction = await model.predict(Float32Array.from(pixels, (value) => value / 255));
  return { label: prediction.label, expected: golden.label, runtime: prediction.runtime, route: prediction.route, warnings, fallbacks };
}

run().then(
  (result) => (out.textContent = JSON.stringify(result)),
  (error) => (out.textContent = JSON.stringify({ error: `${error?.code ?? ''} ${error?.message ?? error}` })),
);
