#!/usr/bin/env node
// The `sabkit-worker` command (see src/worker/cli.ts).
import cli from '../dist/cjs/worker/cli.js';

cli.main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e) => {
    process.stderr.write(`sabkit-worker: ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
