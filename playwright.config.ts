import { execSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright cannot download its own browser on this network.
function chromiumPath(): string {
  if (process.env['CHROME_PATH']) return process.env['CHROME_PATH'];
  try {
    return execSync('command -v chromium || command -v chromium-browser', { shell: '/bin/sh' }).toString().trim();
  } catch {
    throw new Error('Chromium not found: install Debian chromium (apt-get install chromium) or set CHROME_PATH');
  }
}

const port = Number(process.env['TEST_PORT'] ?? 8391);

export default defineConfig({
  testDir: 'test/browser',
  timeout: 60_000,
  expect: { timeout: 20_000 },
  workers: 2,
  fullyParallel: true,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--enable-unsafe-webgpu',
      ],
    },
  },
  webServer: {
    command: `node server/dist/cli.js serve models/repository --port ${port} --host 127.0.0.1 --no-grpc`,
    url: `http://127.0.0.1:${port}/v2/health/ready`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
