/**
 * A reference server in its own process for the server benchmarks: `node --import tsx
 * bench/server-child.ts '<ServerOptions as JSON>'` prints `URL <base>` once its models are loaded.
 */
import { createServer, type ServerOptions } from '../server/src/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
const server = createServer({ static: false, ...options, log: (m) => console.error(m) });
const url = await server.listen(0, '127.0.0.1');
await server.loaded;
console.log(`URL ${url}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
