import { ModelshipError } from '../errors.js';
import type { Manifest } from './types.js';

/*
 * A manifest names files and channel manifests by relative path. The string is not what gets
 * fetched: URL parsing strips tabs, newlines and leading control characters and decodes `%2e%2e`
 * into `..`, so `" http://other/x.onnx"` and `"%2e%2e/x"` pass a check on the string and escape.
 * The check is therefore on the URL that will be fetched, after resolution.
 */

/** Origins other than the manifest's own that files may come from; the app's explicit choice. */
export type AllowedOrigins = readonly string[] | undefined;

// C0 controls, DEL, backslash, and percent-encoded dots and slashes: no honest relative path needs them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose.
const SUSPICIOUS = /[\u0000-\u001f\u007f\\]|%2e|%2f|%5c/i;

function invalid(field: string, reference: unknown, problem: string, resolved?: string): ModelshipError {
  return new ModelshipError('MANIFEST_INVALID', `Manifest field ${field} ${JSON.stringify(reference)} ${problem}`, {
    details: { field, value: reference, ...(resolved ? { resolved } : {}) },
  });
}

/**
 * The absolute URL `reference` resolves to against `baseUrl`, if it stays on the base's origin and
 * under the base's folder, or lands on an origin the app allowed; MANIFEST_INVALID naming `field`
 * otherwise.
 */
export function confinedUrl(reference: unknown, baseUrl: string, field: string, allowedOrigins: AllowedOrigins = undefined): string {
  if (typeof reference !== 'string' || reference.length === 0) throw invalid(field, reference, 'must be a non-empty string');
  if (SUSPICIOUS.test(reference) || reference.trim() !== reference) {
    throw invalid(field, reference, 'holds control characters, whitespace at an end, backslashes or percent-encoded dots or slashes');
  }
  let resolved: URL;
  try {
    resolved = new URL(reference, baseUrl);
  } catch {
    throw invalid(field, reference, 'is not a URL reference');
  }
  const base = new URL(baseUrl);
  if (resolved.username || resolved.password) throw invalid(field, reference, 'carries credentials', resolved.href);
  if (resolved.origin === base.origin && resolved.protocol === base.protocol) {
    const folder = new URL('./', base).href;
    if (!resolved.href.startsWith(folder) || resolved.pathname === new URL(folder).pathname) {
      throw invalid(field, reference, `resolves to ${resolved.href}, outside the manifest's folder ${folder}`, resolved.href);
    }
    return resolved.href;
  }
  const allowed = (allowedOrigins ?? []).some((origin) => originOf(origin) === resolved.origin);
  if (!allowed || (resolved.protocol !== 'https:' && resolved.protocol !== 'http:')) {
    throw invalid(
      field,
      reference,
      `resolves to ${resolved.href}, another origin than the manifest's (${base.origin}); allow it with options.allowedOrigins`,
      resolved.href,
    );
  }
  return resolved.href;
}

function originOf(origin: string): string | undefined {
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}

/** Every URL a manifest names for this library to fetch (file paths, channel manifests), checked before any download. */
export function checkManifestUrls(manifest: Manifest, manifestUrl: string, allowedOrigins: AllowedOrigins = undefined): void {
  manifest.variants.forEach((variant, v) =>
    variant.files.forEach((file, f) => confinedUrl(file.path, manifestUrl, `variants[${v}].files[${f}].path`, allowedOrigins)),
  );
  (manifest.channels ?? []).forEach((channel, c) => {
    if (channel.manifest !== undefined) confinedUrl(channel.manifest, manifestUrl, `channels[${c}].manifest`, allowedOrigins);
  });
}
