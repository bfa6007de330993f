// `npm run bench:size`: what a page parses before `loadModel` can run, as an app's bundler ships it.
// Needs `npm run build` first. Prints a table and one JSON line.
import { measureCoreSize } from './core-size.js';

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const size = await measureCoreSize();
  const rows: [string, string, string][] = [
    ['initial import of loadModel (min+gzip)', kb(size.initial.gzipBytes), `target ≤ ${kb(size.target)}, ${kb(size.initial.minBytes)} min`],
  ];
  for (const chunk of size.chunks.slice(0, 16)) {
    rows.push([`${chunk.initial ? 'initial' : 'lazy   '} ${chunk.file}`, kb(chunk.gzipBytes), `${kb(chunk.minBytes)} min`]);
  }
  const width = Math.max(...rows.map((row) => row[0].length));
  for (const [what, value, note] of rows) console.log(`${what.padEnd(width)}  ${value.padStart(9)}  ${note}`);
  const lazy = size.chunks.filter((chunk) => !chunk.initial);
  console.log(
    JSON.stringify({
      bench: 'modelship-core-size',
      initialMinBytes: size.initial.minBytes,
      initialGzipBytes: size.initial.gzipBytes,
      targetGzipBytes: size.target,
      withinTarget: size.initial.gzipBytes <= size.target,
      lazyChunks: lazy.length,
      lazyGzipBytes: lazy.reduce((sum, chunk) => sum + chunk.gzipBytes, 0),
    }),
  );
}

await main();
