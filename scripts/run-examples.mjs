#!/usr/bin/env node
// Runs the examples and prints a compact summary: each example's name, its time and its output,
// indented under its package. Each example runs in its own process with a time limit; the exit
// status is non-zero if any fails, so the demo is also a check (the root test command runs it).
//
//   node ../../scripts/run-examples.mjs   from a package directory, after `tsc -p tsconfig.test.json`
//                                         (the package's `demo` script): that package's examples
//   node scripts/run-examples.mjs --all   from the root: every package under packages/ with an
//                                         examples/ folder and a `demo` script, each compiled first
//                                         (stale output removed); `--build` builds the packages
//                                         first (turbo's log is shown only if the build fails);
//                                         `--results` writes .test-results/demo.json for
//                                         scripts/test-summary.mjs.
// Compiled examples are .test-build/examples/*.js (not the fixtures under examples/workers/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const EXAMPLE_LIMIT_MS = 120_000;
const all = process.argv.includes('--all');
const quietEnv = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0' };

function manifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** Runs `cmd args` quietly; on failure prints what it said and returns false. */
function quiet(label, cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: quietEnv, timeout: 300_000 });
  if (r.status === 0) return true;
  console.log(`${label} failed (exit ${r.status} ${r.signal ?? ''}):\n${r.stdout}${r.stderr}`);
  return false;
}

const packages = all
  ? readdirSync(join(ROOT, 'packages'))
      .map((d) => join(ROOT, 'packages', d))
      .filter(
        (d) => existsSync(join(d, 'package.json')) && existsSync(join(d, 'examples')) && manifest(d).scripts?.demo,
      )
  : [process.cwd()];

let failed = 0;
let ran = 0;
if (all && process.argv.includes('--build')) {
  if (!quiet('build', join(ROOT, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--output-logs=errors-only'], ROOT))
    process.exit(1);
}
if (all) console.log(`sabkit examples on Node ${process.version}`);
for (const dir of packages) {
  const name = manifest(dir).name;
  if (all) {
    rmSync(join(dir, '.test-build'), { recursive: true, force: true });
    if (
      !quiet(
        `${name}: tsc -p tsconfig.test.json`,
        join(ROOT, 'node_modules', '.bin', 'tsc'),
        ['-p', 'tsconfig.test.json'],
        dir,
      )
    ) {
      failed++;
      continue;
    }
  }
  const out = join(dir, '.test-build', 'examples');
  const files = existsSync(out)
    ? readdirSync(out)
        .filter((f) => f.endsWith('.js'))
        .sort()
    : [];
  console.log(`\n${name}`);
  if (files.length === 0) {
    console.log(`  no compiled examples under ${out}`);
    failed++;
    continue;
  }
  for (const f of files) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(out, f)], {
      cwd: dir,
      encoding: 'utf8',
      timeout: EXAMPLE_LIMIT_MS,
      killSignal: 'SIGKILL',
    });
    ran++;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const ok = r.status === 0;
    console.log(`  ${f.replace(/\.js$/, '')}  (${secs} s)${ok ? '' : `  FAILED: exit ${r.status} ${r.signal ?? ''}`}`);
    const text = `${r.stdout}${ok ? '' : r.stderr}`.trimEnd();
    if (text) console.log(text.replace(/^/gm, '    '));
    if (!ok) failed++;
  }
}
console.log(`\n${ran} examples, ${failed} failed`);
if (process.argv.includes('--results')) {
  mkdirSync(join(ROOT, '.test-results'), { recursive: true });
  const res = { pkg: 'checks: demo (every example runs)', runtime: `node ${process.version}`, pass: ran - failed };
  writeFileSync(join(ROOT, '.test-results', 'demo.json'), JSON.stringify({ ...res, fail: failed, skipped: 0 }));
}
process.exit(failed || ran === 0 ? 1 : 0);
