import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MNIST_DIR } from './helpers.js';

/** The real MNIST config with another name, without its version_policy (every version served), plus extra text. */
export function mnistConfig(name: string, extra = '', replace: Array<[RegExp, string]> = []): string {
  let text = readFileSync(join(MNIST_DIR, 'config.pbtxt'), 'utf8')
    .replace(/name: "[^"]*"/, `name: "${name}"`)
    .replace(/version_policy[^\n]*\n?/, '');
  for (const [re, by] of replace) text = text.replace(re, by);
  return `${text}\n${extra}\n`;
}

/** Writes `<root>/<name>/config.pbtxt` and copies the real MNIST model into each version folder. */
export function writeMnistModel(root: string, name: string, versions: string[], config = mnistConfig(name)): void {
  for (const v of versions) {
    mkdirSync(join(root, name, v), { recursive: true });
    copyFileSync(join(MNIST_DIR, '1', 'model.onnx'), join(root, name, v, 'model.onnx'));
  }
  writeFileSync(join(root, name, 'config.pbtxt'), config);
}
