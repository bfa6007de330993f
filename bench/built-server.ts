/**
 * The reference server as its users run it: the built bundle (server/dist, `npm run build`), not
 * server/src through tsx, whose transform adds work of its own (a `__name` call for every closure a
 * request makes). The server benchmarks start their servers from here. The import is dynamic, so
 * typechecking a fresh clone, before any build, does not need server/dist; its types are those of
 * the sources it is built from.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type ServerModule = typeof import('../server/src/index.js');

export async function builtServer(): Promise<ServerModule> {
  const url = new URL('../server/dist/index.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error('bench: server/dist/index.js is missing; run `npm run build` first');
  return (await import(url.href)) as ServerModule;
}
