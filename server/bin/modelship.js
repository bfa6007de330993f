#!/usr/bin/env node
// npm links this file as the `modelship` command; a file of its own, so it runs whatever path the
// symlink has (the bundle's "am I the entry?" check cannot see through npm's bin symlink).
import { main } from '../dist/cli.js';

await main(process.argv.slice(2));
