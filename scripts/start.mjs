// `npm start`: builds when the bundle is missing or older than the sources, then runs the
// reference server with the demo, the bundle, the models and the runtime wasm on 127.0.0.1.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);

const built = ['dist/index.js', 'dist/worker.js', 'server/dist/cli.js', 'dist/demo/app.js', 'dist/sw/sw.js', 'dist/react-native/host.js', 'wasm/inventory.json'];
const stale = built.some((file) => !existsSync(file)) || Math.max(newest('src'), newest('demo')) > statSync('dist/index.js').mtimeMs;
if (stale) {
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
// PORT, GRPC_PORT (default 8001) and MODELSHIP_TOKEN reach the CLI through the inherited environment.
const args = process.argv.slice(2);
const server = spawnSync(process.execPath, ['server/dist/cli.js', 'serve', 'models/repository', ...args], { stdio: 'inherit' });
process.exit(server.status ?? 0);
