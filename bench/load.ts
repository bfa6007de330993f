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
export async function measureLoads(baseURL: string, manifest: string, network: NetworkProfile, rounds: number): Promise<LoadTimes> {
  const result: LoadTimes = { cold: [], warm: [], warmModelRequests: 0 };
  for (let round = 0; round < rounds; round++) {
    const profile = await freshProfile(baseURL);
    try {
      const page = await profile.context.newPage();
      await throttle(page, network);
      let modelRequests = 0;
      page.on('request', (request) => {
        if (request.url().endsWith('.onnx')) modelRequests++;
      });
      await page.goto('/empty.html');
      const cold = await page.evaluate(timeLoad, { manifest, variant: 'fp32' });
      result.cold.push(cold.loadMs + cold.firstRunMs);
      await page.reload();
      modelRequests = 0;
      const warm = await page.evaluate(timeLoad, { manifest, variant: 'fp32' });
      if (warm.cache !== 'hit') throw new Error(`The warm load was not a cache hit: ${warm.cache}`);
      result.warm.push(warm.loadMs + warm.firstRunMs);
      result.warmModelRequests += modelRequests;
    } finally {
      await profile.close();
    }
  }
  return result;
}
