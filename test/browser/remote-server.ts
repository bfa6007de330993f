import { join } from 'node:path';
import { createServer, PACKAGE_ROOT } from '../../server/src/index.js';

/** A second, real reference server (inference only) that a test can stop and restart on the same port. */
export async function startInferenceServer(port = 0): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = createServer({ modelRepository: join(PACKAGE_ROOT, 'models', 'repository'), static: false });
  const url = await server.listen(port, '127.0.0.1');
  await server.loaded;
  return { url, port: Number(new URL(url).port), close: () => server.close() };
}
