// prepack/postpack of @modelship/server: the example MNIST model ships inside the server's tarball
// (so `npx modelship serve` has something to serve) without a second copy in git.
//   node ../scripts/pack-server-models.mjs copy    — models/repository (Triton layout, for /v2) and
//                                                    models/mnist (manifest + files, for browsers at /models/)
//   node ../scripts/pack-server-models.mjs clean   — removes the copy again
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = join(root, 'server');
const target = join(server, 'models');

const mode = process.argv[2];
if (mode === 'copy') {
  if (!existsSync(join(server, 'dist', 'cli.js'))) {
    console.error('server/dist/cli.js is missing: run `npm run build` at the repository root before packing the server');
    process.exit(1);
  }
  rmSync(target, { recursive: true, force: true });
  cpSync(join(root, 'models', 'repository'), join(target, 'repository'), { recursive: true });
  cpSync(join(root, 'models', 'mnist'), join(target, 'mnist'), { recursive: true });
  console.error(`server/models: copied models/repository and models/mnist for packing`);
} else if (mode === 'clean') {
  rmSync(target, { recursive: true, force: true });
} else {
  console.error('usage: pack-server-models.mjs copy|clean');
  process.exit(2);
}
