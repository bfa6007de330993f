import { Workbox } from 'workbox-window';

/**
 * Registers /sw.js (built by scripts/build-sw.mjs) and shows the "update ready" banner when a new
 * version of the app shell is waiting. The new worker takes over only when the user accepts, so a
 * page never runs a mix of old and new files.
 */
export function startServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  const workbox = new Workbox('/sw.js');
  workbox.addEventListener('waiting', () => {
    const banner = document.getElementById('update');
    if (!banner) return;
    banner.hidden = false;
    document.body.dataset['update'] = 'ready';
    document.getElementById('update-reload')?.addEventListener(
      'click',
      () => {
        // Reload once the waiting worker controls the page, so the page loads the new shell.
        workbox.addEventListener('controlling', () => window.location.reload());
        workbox.messageSkipWaiting();
      },
      { once: true },
    );
  });
  void navigator.serviceWorker.ready.then(() => {
    document.body.dataset['sw'] = 'ready';
  });
  workbox.register().catch((error: unknown) => {
    document.body.dataset['sw'] = 'failed';
    console.warn('service worker registration failed', error);
  });
}

/** Keeps the online/offline indicator current. */
export function trackConnectivity(): void {
  const show = (): void => {
    const element = document.getElementById('network');
    if (!element) return;
    element.textContent = navigator.onLine ? 'online' : 'offline — running from this device';
    element.className = navigator.onLine ? 'online' : 'offline';
  };
  window.addEventListener('online', show);
  window.addEventListener('offline', show);
  show();
}

/** The origin's storage use (models, app shell, everything) next to the model's own bytes. */
export async function describeStorage(modelBytes: number, status: string): Promise<string> {
  const model = `${status}, ${formatBytes(modelBytes)}`;
  const storage = (navigator as { storage?: StorageManager }).storage;
  const estimate = await storage?.estimate().catch(() => undefined);
  if (!estimate?.usage || !estimate.quota) return model;
  return `${model} (this site uses ${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)})`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
