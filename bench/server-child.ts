/**
 * A reference server in its own process for the server benchmarks: `node --import tsx
 * bench/server-child.ts '<ServerOptions as JSON>'` prints `URL <base>` once its models are loaded.
 * On SIGUSR2 it prints `ELD <json>`: its event loop's delay (perf_hooks.monitorEventLoopDelay,
 * 1 ms resolution) and event-loop utilisation since the last report, then starts over; the
 * instances bench reads it to tell the server's own stalls from the probe's.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createServer, type ServerOptions } from '../server/src/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
const server = createServer({ static: false, ...options, log: (m) => console.error(m) });
const url = await server.listen(0, '127.0.0.1');
await server.loaded;
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let elu = performance.eventLoopUtilization();
process.on('SIGUSR2', () => {
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  const used = performance.eventLoopUtilization(elu);
  elu = performance.eventLoopUtilization();
  console.log(`ELD ${JSON.stringify({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), utilization: Math.round(used.utilization * 1000) / 1000 })}`);
  delay.reset();
});
console.log(`URL ${url}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
