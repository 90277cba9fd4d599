#!/usr/bin/env node
// Adds up the per-package, per-runtime results written by run-tests.mjs and prints one closing
// line, "tests: N passed, N failed", so the total is readable whatever turbo did to the log.
// A package with a test script but no results (its build or test setup failed) counts as failed.
// `--clean` removes old results first, so a stale file can never stand in for a run.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'packages');
const packages = readdirSync(root).filter((p) => existsSync(join(root, p, 'package.json')));

if (process.argv.includes('--clean')) {
  for (const p of packages) rmSync(join(root, p, '.test-results'), { recursive: true, force: true });
  process.exit(0);
}

let pass = 0,
  fail = 0,
  skipped = 0;
for (const pkg of packages) {
  const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8'));
  if (!manifest.scripts?.test) continue;
  const dir = join(root, pkg, '.test-results');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  if (files.length === 0) {
    console.log(`${manifest.name}: no test results (its build or test run failed before any test ran)`);
    fail += 1;
    continue;
  }
  for (const f of files) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (r.skippedRuntime) {
      console.log(`${r.pkg}: ${r.runtime} skipped (${r.skippedRuntime})`);
      continue;
    }
    console.log(`${r.pkg} on ${r.runtime}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped`);
    pass += r.pass;
    fail += r.fail;
    skipped += r.skipped;
  }
}
console.log(`tests: ${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(fail > 0 || pass === 0 ? 1 : 0);
