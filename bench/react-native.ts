// `npm run bench`, React Native section: the bridge's round trip over an in-page predict, side by
// side in one page. The host page runs as in a WebView; the app-side client runs in the same page
// (dist/react-native/client.js) and the simulated bridge hands strings over through a MessageChannel
// hop each way, so what is measured is what modelship adds — JSON, base64, token check, chunking,
// dispatch — not the platform's own bridge transit (native, not measurable here).
import { pathToFileURL } from 'node:url';
import { freshProfile, startReferenceServer } from './browser.js';

const MANIFEST = '/models/mnist/manifest.json';

export interface BridgeBench {
  batch: number;
  chunkChars: number;
  directP50: number;
  bridgeP50: number;
  addedMs: number;
  ratio: number;
}

/** Installed before the host page's scripts: the page's outgoing strings wait in a queue until the in-page client attaches. */
function simulatedBridge(): void {
  const w = window as unknown as Record<string, unknown>;
  const queue: string[] = [];
  const hop = new MessageChannel();
  let consumer: ((raw: string) => void) | undefined;
  hop.port2.onmessage = (event) => (consumer ? consumer(event.data as string) : queue.push(event.data as string));
  w['__MODELSHIP_RN_TOKEN__'] = 'bench-token';
  w['ReactNativeWebView'] = { postMessage: (raw: string) => hop.port1.postMessage(raw) };
  w['__attachApp'] = (next: (raw: string) => void) => {
    consumer = next;
    queue.splice(0).forEach(next);
  };
}

async function measure(args: { manifest: string; rounds: number; cases: { batch: number; chunkChars: number }[] }) {
  type Client = typeof import('../src/react-native/client/index.js');
  type Library = typeof import('../src/index.js');
  const { createWebViewModel } = (await import('/dist/react-native/client.js' as string)) as Client;
  const { loadModel } = (await import('/dist/index.js' as string)) as Library;
  const toPage = new MessageChannel();
  // Android's way in: a message event on document.
  toPage.port2.onmessage = (event) => document.dispatchEvent(new MessageEvent('message', { data: event.data }));
  const manifest = (await (await fetch(args.manifest)).json()) as { golden: { inputUint8: string }[] };
  const input = Float32Array.from(atob(manifest.golden[0]!.inputUint8), (c) => c.charCodeAt(0) / 255);
  const options = { variant: 'fp32', backends: ['onnx-wasm' as const] };
  const direct = await loadModel(args.manifest, options);
  const results = [];
  // One client per case, all hearing the page (each takes only its own replies); the page keeps one model at a time.
  const clients = args.cases.map(({ chunkChars }) =>
    createWebViewModel({ token: 'bench-token', chunkChars, webView: { postMessage: (raw) => toPage.port1.postMessage(raw) } }),
  );
  (window as unknown as { __attachApp: (c: (raw: string) => void) => void }).__attachApp((raw) => clients.forEach((client) => client.handleMessage(raw)));
  for (const [i, { batch, chunkChars }] of args.cases.entries()) {
    const bridged = clients[i]!;
    await bridged.load(args.manifest, options);
    const inputs = Array.from({ length: batch }, () => input);
    const run = async (model: { predict(x: Float32Array): Promise<unknown>; predictBatch(x: Float32Array[]): Promise<unknown> }) => {
      const t0 = performance.now();
      await (batch === 1 ? model.predict(input) : model.predictBatch(inputs));
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) await run(direct), await run(bridged); // warm both
    const d: number[] = [];
    const b: number[] = [];
    // Interleaved so drift on a shared machine hits both sides alike.
    for (let i = 0; i < args.rounds; i++) {
      d.push(await run(direct));
      b.push(await run(bridged));
    }
    const p50 = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1]!;
    results.push({ batch, chunkChars, directP50: p50(d), bridgeP50: p50(b) });
    await bridged.dispose();
  }
  await direct.dispose();
  return results;
}

export async function benchReactNative(baseUrl: string, rounds = 300): Promise<BridgeBench[]> {
  const profile = await freshProfile(baseUrl);
  try {
    const page = await profile.context.newPage();
    await page.addInitScript(simulatedBridge);
    await page.goto('/react-native/');
    const cases = [
      { batch: 1, chunkChars: 128 * 1024 },
      { batch: 64, chunkChars: 128 * 1024 },
      { batch: 64, chunkChars: 32 * 1024 },
    ];
    const rows = await page.evaluate(measure, { manifest: MANIFEST, rounds, cases });
    return rows.map((row) => ({ ...row, addedMs: row.bridgeP50 - row.directP50, ratio: row.bridgeP50 / row.directP50 }));
  } finally {
    await profile.close();
  }
}

export function reactNativeTable(rows: BridgeBench[]): string {
  const lines = rows.map(
    (r) =>
      `bridge batch ${String(r.batch).padStart(2)}, chunks of ${r.chunkChars / 1024} Ki`.padEnd(36) +
      `${r.directP50.toFixed(3)} ms in-page → ${r.bridgeP50.toFixed(3)} ms bridged   +${r.addedMs.toFixed(3)} ms (${r.ratio.toFixed(2)}×)` +
      (r.batch === 1 ? `   target ≤ 2 ms added: ${r.addedMs <= 2 ? 'met' : 'NOT met'}` : ''),
  );
  return ['modelship — React Native bridge (simulated, in one page): round trip over in-page predict, p50', '', ...lines].join('\n');
}

// This section alone: `node --import tsx bench/react-native.ts` (npm run bench runs it with the rest).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startReferenceServer(Number(process.env['BENCH_PORT'] ?? 8392), ['--coop-coep', '--no-grpc']);
  try {
    const rows = await benchReactNative(server.url, Number(process.env['BENCH_BRIDGE_ROUNDS'] ?? 300));
    console.log(`${reactNativeTable(rows)}\n\n${JSON.stringify({ bench: 'modelship-react-native', rows })}`);
  } finally {
    await server.stop();
  }
}
