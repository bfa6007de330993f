import { ModelshipError } from '../errors.js';
import { checkMonitoringBlock } from '../monitoring/manifest-block.js';
import { checkSemantics, DEFAULT_LIMITS, type ManifestLimits } from './limits.js';
import validateSchema from './schema-validator.js';
import type { Manifest } from './types.js';

/** `/variants/0/files/1/sha256` → `variants[0].files[1].sha256` */
function fieldName(instancePath: string): string {
  if (!instancePath) return '(root)';
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

export function validateManifest(data: unknown, limits: ManifestLimits = DEFAULT_LIMITS): Manifest {
  if (!validateSchema(data)) {
    const first = validateSchema.errors?.[0];
    const missing = first?.keyword === 'required' ? String(first.params['missingProperty']) : undefined;
    const base = fieldName(first?.instancePath ?? '');
    const field = missing ? (base === '(root)' ? missing : `${base}.${missing}`) : base;
    const message = missing ? 'is required' : (first?.message ?? 'is invalid');
    throw new ModelshipError('MANIFEST_INVALID', `Manifest field ${field} ${message}`, {
      details: { field, keyword: first?.keyword, params: first?.params },
    });
  }
  const manifest = data as Manifest;
  checkSemantics(manifest, limits);
  if (manifest.monitoring) checkMonitoringBlock(manifest.monitoring, manifest.labels.length, manifest.variants.map((variant) => variant.id));
  return manifest;
}
