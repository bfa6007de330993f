import { badRequest } from '../errors.js';

/** One stored piece of feedback: what the device sent (see the library's FeedbackItem) plus when it arrived. */
export interface FeedbackRecord {
  id: string;
  createdAt: string;
  receivedAt: string;
  model: { name: string; version: string; variant: string; channel?: string };
  label: string;
  labelIndex: number;
  predicted: { label: string; index: number; scores: number[] };
  input: { width: number; height: number; data: number[] };
}

const ID = /^[A-Za-z0-9_-]{8,128}$/;
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_SIDE = 64;
const MAX_CLASSES = 1000;

/**
 * Checks a parsed body field by field and names the first wrong one. Written out by hand: the
 * shape is small and fixed, and the server package carries no schema library.
 */
export function parseFeedback(body: unknown, receivedAt: Date): FeedbackRecord {
  const item = object(body, 'body');
  const id = text(item['id'], 'id');
  if (!ID.test(id)) throw badRequest('id must be 8 to 128 characters of [A-Za-z0-9_-]');
  const createdAt = text(item['createdAt'], 'createdAt');
  if (Number.isNaN(Date.parse(createdAt))) throw badRequest('createdAt must be an ISO 8601 date');
  const model = object(item['model'], 'model');
  const name = text(model['name'], 'model.name');
  if (!NAME.test(name)) throw badRequest('model.name must be 1 to 128 characters of [A-Za-z0-9_.-]');
  const channel = model['channel'] === undefined ? undefined : text(model['channel'], 'model.channel');
  const predicted = object(item['predicted'], 'predicted');
  const scores = numbers(predicted['scores'], 'predicted.scores', MAX_CLASSES);
  const input = object(item['input'], 'input');
  const width = int(input['width'], 'input.width', 1, MAX_SIDE);
  const height = int(input['height'], 'input.height', 1, MAX_SIDE);
  const data = numbers(input['data'], 'input.data', width * height);
  if (data.length !== width * height) throw badRequest(`input.data has ${data.length} values; expected width × height = ${width * height}`);
  return {
    id,
    createdAt,
    receivedAt: receivedAt.toISOString(),
    model: { name, version: text(model['version'], 'model.version'), variant: text(model['variant'], 'model.variant'), ...(channel ? { channel } : {}) },
    label: text(item['label'], 'label'),
    labelIndex: int(item['labelIndex'], 'labelIndex', 0, scores.length - 1),
    predicted: { label: text(predicted['label'], 'predicted.label'), index: int(predicted['index'], 'predicted.index', 0, scores.length - 1), scores },
    input: { width, height, data },
  };
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw badRequest(`${field} must be a string of 1 to 256 characters`);
  return value;
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw badRequest(`${field} must be an integer from ${min} to ${max}`);
  return value as number;
}

function numbers(value: unknown, field: string, max: number): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) throw badRequest(`${field} must be an array of 1 to ${max} numbers`);
  const bad = value.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) throw badRequest(`${field}[${bad}] must be a finite number`);
  return value as number[];
}
