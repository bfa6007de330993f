export interface ServiceWorkerFolders {
  demoDir?: string;
  distDir?: string;
  wasmDir?: string;
  swDest?: string;
}

export function libraryFiles(distDir: string, entries?: string[]): string[];
export function buildServiceWorker(folders?: ServiceWorkerFolders): Promise<{ swDest: string; urls: string[] }>;
