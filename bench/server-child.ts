/**
 * A reference server in its own process for the server benchmarks: `node --import tsx
 * bench/server-child.ts '<ServerOptions as JSON>'` prints `URL <base>` once its models are loaded.
 * On SIGUSR2 it prints `ELD <json>`: its event loop's delay (perf_hooks.monitorEventLoopDelay,
 * 1 ms resolution) and event-loop utilisation since the last report, then starts over; the
 * instances bench reads it to tell the server's own stalls from the probe's. On Linux it adds the
 * main thread's scheduler accounting (/proc/<pid>/task/<pid>/schedstat: time on a CPU, time
 * runnable but waiting for one), which separates work the server did from the OS not running it.
 */
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ServerOptions } from '../server/src/index.js';
import { builtServer } from './built-server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
const { createServer } = await builtServer();
const server = createServer({ static: false, ...options, log: (m) => console.error(m) });
const url = await server.listen(0, '127.0.0.1');
await server.loaded;
// Diagnostic: BENCH_SERVER_NICE=-10 runs the event loop's thread at a higher priority than the rest
// of the machine (needs CAP_SYS_NICE), to tell scheduling delays from the server's own work.
if (process.env.BENCH_SERVER_NICE) setPriority(0, Number(process.env.BENCH_SERVER_NICE));
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let elu = performance.eventLoopUtilization();
/** [ns on a CPU, ns waiting on a run queue, minor page faults] of the main thread (its tid is the pid). */
const sched = (): [number, number, number] => {
  try {
    const task = `/proc/${process.pid}/task/${process.pid}`;
    const [run, wait] = readFileSync(`${task}/schedstat`, 'utf8').split(' ').map(Number);
    // stat: "pid (comm) state ppid …": minflt is the 10th field, the 8th after the comm.
    const stat = readFileSync(`${task}/stat`, 'utf8');
    const minflt = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
    return [run ?? NaN, wait ?? NaN, minflt];
  } catch {
    return [NaN, NaN, NaN];
  }
};
let lastSched = sched();
process.on('SIGUSR2', () => {
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  const used = performance.eventLoopUtilization(elu);
  elu = performance.eventLoopUtilization();
  const now = sched();
  const cpuMs = Math.round((now[0] - lastSched[0]) / 1e6);
  const runQueueWaitMs = Math.round((now[1] - lastSched[1]) / 1e6);
  const minorFaults = now[2] - lastSched[2];
  lastSched = now;
  console.log(`ELD ${JSON.stringify({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), utilization: Math.round(used.utilization * 1000) / 1000, cpuMs, runQueueWaitMs, minorFaults })}`);
  delay.reset();
});
console.log(`URL ${url}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
