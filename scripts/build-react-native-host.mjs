// Packages the React Native host page (after rollup built dist/react-native/host.js):
//  - dist/react-native/index.html: the page for an https origin, next to host.js (imports ../index.js);
//  - dist/react-native/host-inline.html and host-html.js: one self-contained page for apps that bundle
//    it with no server (`source={{ html, baseUrl }}`): library and host inlined, in-thread, tfjs-cpu.
// react-native-webview cannot load module scripts, workers or wasm from app assets reliably
// (file:// fetch is refused on Android, react-native-webview#1560; `require('./page.html')` is
// unsupported, #428), so the bundled page carries its code inline and needs no file of its own.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'react-native');
const SERVED = join(ROOT, 'demo', 'react-native', 'index.html');

/**
 * Runtimes that need files next to the page (wasm, a worker) are left out of the inlined page;
 * choosing one fails that plan step, reported as a fallback. Read from the registry, so a runtime
 * added later is left out too (only tfjs-cpu, plain JavaScript, is carried).
 */
const CARRIED = 'tfjs-cpu';
function leftOutRuntimes() {
  const registry = readFileSync(join(ROOT, 'src', 'runtimes', 'registry.ts'), 'utf8');
  const entries = [
    ...registry.matchAll(/'([a-z0-9-]+)': async \(\) => (?:withTfjs\()?import\('\.\/([a-z0-9-]+)\.js'\)\)?\.then\(\(m\) => \(\{ start: m\.(\w+), load: m\.(\w+) \}\)\)/g),
  ];
  if (!entries.some(([, name]) => name === CARRIED))
    throw new Error('build-react-native-host: src/runtimes/registry.ts no longer lists runtimes the way this script reads them');
  return Object.fromEntries(entries.filter(([, name]) => name !== CARRIED).map(([, , file, start, load]) => [file, [start, load]]));
}

function leaveOutRuntimes(leftOut) {
  const pattern = new RegExp(`/(${Object.keys(leftOut).join('|')})\\.js$`);
  return {
    name: 'leave-out-runtimes',
    setup(b) {
      b.onResolve({ filter: pattern }, (args) =>
        args.importer.includes(join('src', 'runtimes', 'registry'))
          ? { path: args.path.replace(/^.*\//, '').replace(/\.js$/, ''), namespace: 'left-out' }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'left-out' }, ({ path }) => ({
        // Both the runtime's start and its load fail the same way (a plan step reports it as a fallback).
        contents: `import { ModelshipError } from ${JSON.stringify(join(ROOT, 'src', 'errors.ts'))};
const leftOut = async () => { throw new ModelshipError('BACKEND_UNAVAILABLE', ${JSON.stringify(`${path} is not in the inlined host page (it needs wasm or worker files); use tfjs-cpu or serve the page from an origin`)}); };
export const ${leftOut[path][0]} = leftOut;
export const ${leftOut[path][1]} = leftOut;`,
        loader: 'js',
        resolveDir: ROOT,
      }));
    },
  };
}

export async function buildReactNativeHost() {
  mkdirSync(OUT, { recursive: true });
  const served = readFileSync(SERVED, 'utf8');
  const packaged = served.replace(' data-service-worker="/sw.js"', '').replace('src="/dist/react-native/host.js"', 'src="./host.js"');
  if (packaged === served)
    throw new Error('build-react-native-host: demo/react-native/index.html no longer has the expected script and service worker attributes');
  writeFileSync(join(OUT, 'index.html'), packaged);

  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'react-native', 'host', 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    alias: { modelship: join(ROOT, 'src', 'index.ts') },
    define: { __MODELSHIP_VERSION__: JSON.stringify(version) },
    plugins: [leaveOutRuntimes(leftOutRuntimes())],
    logLevel: 'error',
  });
  // "</script" inside the code would end the inline script early.
  const code = result.outputFiles[0].text.replaceAll('</script', '<\\/script');
  const inline = packaged
    .replace(/<!--[\s\S]*?-->\n/, '<!-- modelship host page, self-contained: built by scripts/build-react-native-host.mjs -->\n')
    .replace('<html lang="en">', '<html lang="en" data-worker="false" data-backends="tfjs-cpu">')
    .replace('<script type="module" src="./host.js"></script>', () => `<script type="module">${code}</script>`);
  writeFileSync(join(OUT, 'host-inline.html'), inline);
  writeFileSync(
    join(OUT, 'host-html.js'),
    `// The self-contained host page as a string, for source={{ html, baseUrl }}.\nexport default ${JSON.stringify(inline)};\n`,
  );
  writeFileSync(join(OUT, 'host-html.d.ts'), 'declare const hostHtml: string;\nexport default hostHtml;\n');
  return { inlineBytes: statSync(join(OUT, 'host-inline.html')).size };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { inlineBytes } = await buildReactNativeHost();
  console.log(`react-native host: dist/react-native/host-inline.html ${(inlineBytes / 1024).toFixed(0)} KiB`);
}
