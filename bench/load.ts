import type { Page } from '@playwright/test';
import { freshProfile } from './browser.js';
import { timeLoad } from './page-scripts.js';

export interface NetworkProfile {
  name: string;
  /** Bytes per second down; undefined for the unthrottled loopback. */
  downBytesPerSecond?: number;
  latencyMs?: number;
}

export const NETWORKS: NetworkProfile[] = [
  { name: 'loopback' },
  { name: '40 Mbit/s, 20 ms RTT (emulated)', downBytesPerSecond: 40e6 / 8, latencyMs: 20 },
];

export interface LoadTimes {
  cold: number[];
  warm: number[];
  warmModelRequests: number;
  /** Response bytes (headers + body, as sent) of each cold load, page included. */
  coldBytes: number[];
  /** The runtime each cold load ran on. */
  coldRuntimes: string[];
  warmRuntimes: string[];
  /** Each load's breakdown (`info().timings`) plus its first prediction. */
  coldBreakdowns: Breakdown[];
  warmBreakdowns: Breakdown[];
  /** With `laterVisits`: per round, the totals of the third, fourth, ... visit (reloads of the same profile). */
  later: number[][];
}

/** Milliseconds per load phase (summed when a phase occurs twice), `first-run`, and `total` (load + first prediction). */
export type Breakdown = Record<string, number>;

function breakdown(load: Awaited<ReturnType<typeof timeLoad>>): Breakdown {
  const out: Breakdown = {};
  for (const phase of load.timings.phases) out[phase.name] = (out[phase.name] ?? 0) + phase.durationMs;
  out['first-run'] = load.firstRunMs;
  out['total'] = load.loadMs + load.firstRunMs;
  out['long tasks'] = load.longTasks.count;
  out['longest task'] = load.longTasks.maxMs;
  return out;
}

async function throttle(page: Page, network: NetworkProfile): Promise<void> {
  if (!network.downBytesPerSecond) return;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: network.latencyMs ?? 0,
    downloadThroughput: network.downBytesPerSecond,
    uploadThroughput: network.downBytesPerSecond,
  });
}

/** Cold: a new profile (empty IndexedDB and HTTP cache). Warm: the same profile reloaded. */
export async function measureLoads(baseURL: string, manifest: string, network: NetworkProfile, rounds: number, variant = 'fp32', laterVisits = 0): Promise<LoadTimes> {
  const result: LoadTimes = { cold: [], warm: [], warmModelRequests: 0, coldBytes: [], coldRuntimes: [], warmRuntimes: [], coldBreakdowns: [], warmBreakdowns: [], later: [] };
  for (let round = 0; round < rounds; round++) {
    const profile = await freshProfile(baseURL);
    try {
      const page = await profile.context.newPage();
      await throttle(page, network);
      let modelRequests = 0;
      page.on('request', (request) => {
        if (request.url().endsWith('.onnx')) modelRequests++;
      });
      const sizes: Promise<number>[] = [];
      const onFinished = (request: import('@playwright/test').Request): void => {
        sizes.push(request.sizes().then((size) => size.responseHeadersSize + size.responseBodySize, () => 0));
      };
      page.context().on('requestfinished', onFinished);
      await page.goto('/empty.html');
      const cold = await page.evaluate(timeLoad, { manifest, variant });
      result.cold.push(cold.loadMs + cold.firstRunMs);
      result.coldRuntimes.push(cold.runtime);
      result.coldBreakdowns.push(breakdown(cold));
      page.context().off('requestfinished', onFinished);
      result.coldBytes.push((await Promise.all(sizes)).reduce((sum, bytes) => sum + bytes, 0));
      await page.reload();
      modelRequests = 0;
      const warm = await page.evaluate(timeLoad, { manifest, variant });
      if (warm.cache !== 'hit') throw new Error(`The warm load was not a cache hit: ${warm.cache}`);
      result.warm.push(warm.loadMs + warm.firstRunMs);
      result.warmRuntimes.push(warm.runtime);
      result.warmBreakdowns.push(breakdown(warm));
      result.warmModelRequests += modelRequests;
      // Later visits: V8 keeps the code cache of a script from its second load, so a third one reads compiled code.
      const later: number[] = [];
      for (let visit = 0; visit < laterVisits; visit++) {
        await page.reload();
        const load = await page.evaluate(timeLoad, { manifest, variant });
        later.push(load.loadMs + load.firstRunMs);
      }
      result.later.push(later);
    } finally {
      await profile.close();
    }
  }
  return result;
}
