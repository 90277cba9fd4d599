#!/usr/bin/env node
// Adds up the per-package, per-runtime results written by run-tests.mjs and prints one closing
// line, "tests: N passed, N failed", so the total is readable whatever turbo did to the log.
// A package with a test script but no results (its build or test setup failed) counts as failed.
// `--clean` removes old results first, so a stale file can never stand in for a run; with CI set it
// also refuses the switches that would narrow the run (scripts/ci-guard.mjs). The repository-wide
// checks of scripts/release-checks.mjs (demo, doc snippets, API docs, packed tarballs) write their
// results to the root's .test-results/ and are added up here too.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { refuseNarrowingInCI } from './ci-guard.mjs';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'packages');
const packages = readdirSync(root).filter((p) => existsSync(join(root, p, 'package.json')));

const rootResults = join(root, '..', '.test-results');
if (process.argv.includes('--clean')) {
  refuseNarrowingInCI('test');
  for (const p of packages) rmSync(join(root, p, '.test-results'), { recursive: true, force: true });
  rmSync(rootResults, { recursive: true, force: true });
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
const checks = existsSync(rootResults) ? readdirSync(rootResults).filter((f) => f.endsWith('.json')) : [];
if (checks.length === 0) {
  console.log('repository checks: no results (scripts/release-checks.mjs did not run)');
  fail += 1;
}
for (const f of checks) {
  const r = JSON.parse(readFileSync(join(rootResults, f), 'utf8'));
  console.log(`${r.pkg}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped`);
  pass += r.pass;
  fail += r.fail;
  skipped += r.skipped;
}
console.log(`tests: ${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(fail > 0 || pass === 0 ? 1 : 0);
