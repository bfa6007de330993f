#!/usr/bin/env node
// modelship-bundle-model: the model-in-image release pattern. Copies a manifest and the files of its
// variants into the app's static assets, each verified against the manifest's SHA-256, and writes
// precache.json ([{ url, revision }], Workbox's additionalManifestEntries format) for the app's
// service worker. loadModel('<outDir URL>/manifest.json') then needs no model server and still verifies.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: modelship-bundle-model <manifest URL | manifest.json | folder with manifest.json> <outDir> [--variant id]...
  Copies the manifest and the files of its variants (all, or the ones named) into outDir, each
  SHA-256-verified, and writes outDir/precache.json for a service worker's precache.`;

class UsageError extends Error {}

const isUrl = (source) => /^https?:\/\//.test(source);

async function read(source) {
  if (isUrl(source)) {
    const response = await fetch(source).catch((error) => {
      throw new Error(`${source}: ${error.cause?.message ?? error.message}`);
    });
    if (!response.ok) throw new Error(`${source}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  return new Uint8Array(await readFile(source));
}

/** A file path inside the manifest must stay inside outDir: relative, no '..', no backslashes. */
function safePath(path, field) {
  if (typeof path !== 'string' || path === '' || isAbsolute(path) || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '' || s === '.')) {
    throw new Error(`manifest field ${field} must be a relative path inside the model's folder, got ${JSON.stringify(path)}`);
  }
  return path;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export async function bundleModel(source, outDir, variantIds = []) {
  let manifestSource = source;
  if (!isUrl(source) && !source.endsWith('.json')) manifestSource = join(source, 'manifest.json');
  const manifestBytes = await read(manifestSource);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  if (!Array.isArray(manifest?.variants) || manifest.variants.length === 0)
    throw new Error(`${manifestSource}: manifest field variants must be a non-empty array`);
  const unknown = variantIds.filter((id) => !manifest.variants.some((v) => v.id === id));
  if (unknown.length) throw new Error(`${manifestSource} has no variant ${unknown.join(', ')} (it has ${manifest.variants.map((v) => v.id).join(', ')})`);
  const chosen = variantIds.length ? manifest.variants.filter((v) => variantIds.includes(v.id)) : manifest.variants;
  const base = isUrl(manifestSource) ? manifestSource : resolve(manifestSource);
  const precache = [];
  for (const [v, variant] of manifest.variants.entries()) {
    if (!chosen.includes(variant)) continue;
    for (const [f, file] of (variant.files ?? []).entries()) {
      const field = `variants[${v}].files[${f}]`;
      const path = safePath(file.path, `${field}.path`);
      if (!/^[0-9a-f]{64}$/.test(file.sha256 ?? '')) throw new Error(`manifest field ${field}.sha256 must be 64 lowercase hex digits`);
      const bytes = await read(isUrl(base) ? new URL(path, base).href : join(dirname(base), path));
      const actual = sha256(bytes);
      if (actual !== file.sha256) throw new Error(`${path}: SHA-256 is ${actual}, the manifest says ${file.sha256} (${field}.sha256); nothing was trusted`);
      const target = join(outDir, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes);
      precache.push({ url: path, revision: actual });
    }
  }
  // The manifest goes in with only the variants whose files are there, so the app never plans one it lacks.
  const bundled = { ...manifest, variants: chosen };
  if (manifest.monitoring) bundled.monitoring = monitoringFor(manifest.monitoring, chosen.map((v) => v.id));
  const manifestOut = `${JSON.stringify(bundled, null, 2)}\n`;
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'manifest.json'), manifestOut);
  precache.unshift({ url: 'manifest.json', revision: sha256(new TextEncoder().encode(manifestOut)) });
  await writeFile(join(outDir, 'precache.json'), `${JSON.stringify(precache, null, 2)}\n`);
  return { name: manifest.name, version: manifest.version, variants: chosen.map((v) => v.id), files: precache.length };
}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { variant: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length !== 2) throw new UsageError(USAGE);
  const [source, outDir] = positionals;
  const result = await bundleModel(source, resolve(outDir), values.variant ?? []);
  console.log(
    `bundled ${result.name}@${result.version} (${result.variants.join(', ')}): ${result.files} files into ${outDir}, precache list in ${join(outDir, 'precache.json')}`,
  );
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`modelship-bundle-model: ${error.message}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});

/**
 * The monitoring block may name only the variants that are bundled: per-variant calibrations of left-out
 * variants go, and when the block's base variant is left out, a bundled variant's own calibration
 * (temperature, energy, thresholds) becomes the base.
 */
function monitoringFor(block, ids) {
  const variants = Object.fromEntries(Object.entries(block.variants ?? {}).filter(([id]) => ids.includes(id)));
  if (ids.includes(block.variant)) return { ...block, variants };
  const base = ids.find((id) => variants[id]);
  if (base === undefined) throw new Error(`the manifest's monitoring block has no calibration for ${ids.join(', ')}: bundle its calibrated variant ${block.variant} too`);
  const { [base]: own, ...rest } = variants;
  return { ...block, ...own, variant: base, variants: rest };
}
