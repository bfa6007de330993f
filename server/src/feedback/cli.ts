import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportFeedback } from './export.js';

export const FEEDBACK_USAGE = `usage: modelship feedback export --model NAME [--data-dir DIR] [--out DIR]
  --data-dir   where the server stored feedback (default ./data, as \`serve --data-dir\`)
  --out        default <data-dir>/exports/<model>`;

/** `modelship feedback export`: prints one JSON line with the count and content hash. Returns the exit code. */
export function feedbackCli(argv: string[], print: (line: string) => void = console.log): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { model: { type: 'string' }, 'data-dir': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals[0] !== 'export' || positionals.length !== 1 || !values.model) {
    console.error(FEEDBACK_USAGE);
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? 'data');
  const out = resolve(values.out ?? resolve(dataDir, 'exports', values.model));
  print(JSON.stringify(exportFeedback(dataDir, values.model, out)));
  return 0;
}
