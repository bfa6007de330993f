import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedbackRecord } from './item.js';

/**
 * Durable feedback: one append-only JSON-lines file per model in `<dataDir>/feedback/`, each line
 * written and fsync'd before the request is answered, so an acknowledged item survives `kill -9`
 * and power loss. Chosen over an embedded database because the workload is append-only with one
 * lookup (has this id been stored?), which a Set rebuilt from the files on start answers; it adds
 * no native dependency, and the file is the export's input as it is. A line torn by a crash
 * mid-write was never acknowledged: it is cut off on start.
 */
/** Per model version (and channel): how many answers got feedback, and how many of those the model had right. */
export interface FeedbackTally {
  count: number;
  correct: number;
  /** correct / count: the accuracy on feedback, the number to compare canary with stable by. */
  accuracy: number;
}

export class FeedbackStore {
  private readonly dir: string;
  private readonly ids = new Map<string, Set<string>>();
  private readonly tallies = new Map<string, Map<string, { count: number; correct: number }>>();
  private readonly fds = new Map<string, number>();

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'feedback');
    mkdirSync(this.dir, { recursive: true });
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith('.jsonl')) continue;
      const records = readFeedbackFile(join(this.dir, file), true);
      this.ids.set(file.slice(0, -6), new Set(records.map((r) => r.id)));
      records.forEach((record) => this.tally(record));
    }
  }

  /** Stores the record unless its id is already stored; synchronous, so check-and-append is atomic. */
  append(record: FeedbackRecord): { stored: boolean } {
    const model = record.model.name;
    const ids = this.ids.get(model) ?? new Set<string>();
    if (ids.has(record.id)) return { stored: false };
    const fd = this.fd(model);
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    let written = 0;
    while (written < line.length) written += writeSync(fd, line, written);
    fsyncSync(fd);
    ids.add(record.id);
    this.ids.set(model, ids);
    this.tally(record);
    return { stored: true };
  }

  /** Accuracy on feedback per `version` and per `version@channel`, from everything stored. */
  summary(model: string): Record<string, FeedbackTally> {
    const out: Record<string, FeedbackTally> = {};
    for (const [key, { count, correct }] of this.tallies.get(model) ?? []) out[key] = { count, correct, accuracy: count ? correct / count : 0 };
    return out;
  }

  private tally(record: FeedbackRecord): void {
    const byKey = this.tallies.get(record.model.name) ?? new Map<string, { count: number; correct: number }>();
    this.tallies.set(record.model.name, byKey);
    const keys = [record.model.version, ...(record.model.channel ? [`${record.model.version}@${record.model.channel}`] : [])];
    for (const key of keys) {
      const tally = byKey.get(key) ?? { count: 0, correct: 0 };
      tally.count++;
      if (record.predicted.index === record.labelIndex) tally.correct++;
      byKey.set(key, tally);
    }
  }

  count(model: string): number {
    return this.ids.get(model)?.size ?? 0;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private fd(model: string): number {
    let fd = this.fds.get(model);
    if (fd === undefined) {
      fd = openSync(feedbackFile(this.dir, model), 'a');
      // The new file's directory entry must be durable too, not only its bytes.
      const dirFd = openSync(this.dir, 'r');
      fsyncSync(dirFd);
      closeSync(dirFd);
      this.fds.set(model, fd);
    }
    return fd;
  }
}

export const feedbackFile = (dir: string, model: string): string => join(dir, `${model}.jsonl`);

/** Every complete line of a feedback file; with `repair`, a torn last line is cut off the file. */
export function readFeedbackFile(path: string, repair = false): FeedbackRecord[] {
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (repair && end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  const records: FeedbackRecord[] = [];
  for (const line of text.slice(0, end).split('\n')) if (line) records.push(JSON.parse(line) as FeedbackRecord);
  return records;
}
