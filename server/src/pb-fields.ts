import type { PbMessage, PbValue } from './pbtxt.js';

/** Typed reads of fields from a parsed config.pbtxt message; errors name the field. */

export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError' as const;
}

export const first = (msg: PbMessage, field: string): PbValue | undefined => msg[field]?.[0];

export function str(msg: PbMessage, field: string, fallback?: string): string {
  const v = first(msg, field);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string') throw new ModelConfigError(`"${field}" must be a string`);
  return v;
}

export function int(msg: PbMessage, field: string, fallback: number): number {
  const v = first(msg, field);
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ModelConfigError(`"${field}" must be an integer`);
  return v;
}

export function ints(msg: PbMessage, field: string): number[] {
  return (msg[field] ?? []).map((v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ModelConfigError(`"${field}" must hold integers`);
    return v;
  });
}

export function bool(msg: PbMessage, field: string, fallback: boolean): boolean {
  const v = first(msg, field);
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ModelConfigError(`"${field}" must be true or false`);
  return v;
}

export function messages(msg: PbMessage, field: string): PbMessage[] {
  return (msg[field] ?? []).map((v) => {
    if (typeof v !== 'object') throw new ModelConfigError(`"${field}" must be a message`);
    return v;
  });
}
