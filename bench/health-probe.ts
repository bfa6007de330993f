/**
 * The health probe of the instances bench, and its control: a bare node:http server that answers
 * the same path with the same small JSON and does nothing else. Probing the control under the same
 * load, and on the idle machine, tells what any Node server on these cores gets for its probes
 * from what modelship's event loop adds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { waitForUrl } from './server-load.js';

/**
 * Sequential GET /v2/health/ready every 10 ms until stopped, latencies in ms, from a worker
 * thread of its own with a keep-alive socket (node:http). Timed on the bench's main thread, where
 * autocannon's 4 connections do their JS work, a probe also waited for the load generator's own
 * event loop: the server's answer was measured together with the client's stalls.
 */
const PROBE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(require('node:worker_threads').workerData.url);
// Diagnostic (BENCH_PROBE_NICE, needs CAP_SYS_NICE): this thread only, as the server's BENCH_SERVER_NICE.
if (require('node:worker_threads').workerData.nice) require('node:os').setPriority(0, Number(require('node:worker_threads').workerData.nice));
const out = [];
let stop = false;
parentPort.on('message', () => { stop = true; });
const once = () => new Promise((resolve, reject) => {
  const t = performance.now();
  http.get({ host: url.hostname, port: url.port, path: '/v2/health/ready', agent }, (res) => {
    res.resume();
    res.on('end', () => resolve(performance.now() - t));
  }).on('error', reject);
});
(async () => {
  while (!stop) {
    out.push(await once());
    await new Promise((r) => setTimeout(r, 10));
  }
  agent.destroy();
  parentPort.postMessage(out);
})();
`;

/** `stop()` ends the probing and gives its latencies, sorted ascending (ms). */
export function startProbe(url: string): { stop: () => Promise<number[]> } {
  const worker = new Worker(PROBE, { eval: true, workerData: { url, nice: process.env.BENCH_PROBE_NICE } });
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (m: number[]) => resolve(m));
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r.sort((a, b) => a - b);
    },
  };
}

/** No routing, no metrics, no model: `{"ready":true}` on every request. */
const BARE_SERVER = `
const http = require('node:http');
const body = Buffer.from('{"ready":true}');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log('URL http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export function startBareServer(): Promise<{ url: string; child: ChildProcess }> {
  return waitForUrl(spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** Probes `url` for `durationS` with nothing else started here; latencies sorted, ms. */
export async function probeFor(url: string, durationS: number): Promise<number[]> {
  const probe = startProbe(url);
  await new Promise((r) => setTimeout(r, durationS * 1000));
  return probe.stop();
}
