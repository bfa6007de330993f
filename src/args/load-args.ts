import type { LoadOptions } from '../types.js';
import { checkFunction, checkNumber, checkSignal, checkType, describeValue, invalidArgument, snapshot } from './read.js';

/** `loadModel`'s arguments, read once and checked: a string URL and a plain copy of the options. */
export function checkLoadArgs(manifestUrl: unknown, options: unknown): { manifestUrl: string; options: LoadOptions } {
  let url: string;
  if (typeof manifestUrl === 'string' && manifestUrl.length > 0) url = manifestUrl;
  else if (manifestUrl instanceof URL) url = manifestUrl.href;
  else throw invalidArgument('manifestUrl', `is ${describeValue(manifestUrl)}; expected a non-empty string or URL`);
  const copy = snapshot(options, 'options') ?? {};
  checkSignal(copy['signal'], 'options.signal');
  for (const key of ['onProgress', 'onFallback', 'onWarning', 'fetch']) checkFunction(copy[key], `options.${key}`);
  for (const key of ['variant', 'wasmPaths', 'cacheName', 'channel', 'route']) checkType(copy[key], `options.${key}`, 'string');
  for (const key of ['persistStorage', 'autoUpdate', 'worker']) checkType(copy[key], `options.${key}`, 'boolean');
  for (const key of ['latencyBudgetMs', 'maxAccuracyLoss']) checkNumber(copy[key], `options.${key}`);
  for (const key of ['loadTimeoutMs', 'runTimeoutMs', 'stallTimeoutMs', 'cacheMaxBytes']) checkNumber(copy[key], `options.${key}`, { exclusiveMin: true });
  checkNumber(copy['numThreads'], 'options.numThreads', { min: 1, integer: true });
  checkStrings(copy['backends'], 'options.backends');
  checkStrings(copy['allowedOrigins'], 'options.allowedOrigins');
  for (const [index, origin] of ((copy['allowedOrigins'] as string[] | undefined) ?? []).entries()) {
    if (!parses(origin)) throw invalidArgument(`options.allowedOrigins[${index}]`, `${JSON.stringify(origin)} is not an origin URL`);
  }
  copy['limits'] = snapshot(copy['limits'], 'options.limits');
  copy['device'] = snapshot(copy['device'], 'options.device');
  if (copy['remote'] !== 'manifest') copy['remote'] = snapshot(copy['remote'], 'options.remote');
  const cache = copy['cache'];
  if (cache !== undefined && typeof cache !== 'string' && (typeof cache !== 'object' || cache === null)) {
    throw invalidArgument('options.cache', `is ${describeValue(cache)}; expected 'indexeddb', 'memory', 'none' or a KeyValueStore`);
  }
  return { manifestUrl: url, options: copy as LoadOptions };
}

function checkStrings(value: unknown, field: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw invalidArgument(field, `is ${describeValue(value)}; expected an array of strings`);
  value.forEach((item, index) => checkType(item, `${field}[${index}]`, 'string'));
}

function parses(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
