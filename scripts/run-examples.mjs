#!/usr/bin/env node
// Runs a package's compiled examples (.test-build/examples/*.js, not the fixtures under
// examples/workers/) one after another, each in its own process with a time limit, printing a
// header before each. Exits non-zero if any example fails, so the demo command is also a check.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkgDir = process.cwd();
const pkgName = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).name;
const dir = join(pkgDir, '.test-build', 'examples');
const EXAMPLE_LIMIT_MS = 120_000;
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .sort()
  : [];
if (files.length === 0) {
  console.error(`${pkgName}: no examples under ${dir}`);
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  console.log(`\n--- ${pkgName} examples/${f.replace(/\.js$/, '.ts')} ---`);
  const r = spawnSync(process.execPath, [join(dir, f)], {
    stdio: 'inherit',
    timeout: EXAMPLE_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  if (r.status !== 0) {
    failed++;
    console.error(`example ${f} failed: exit ${r.status} ${r.signal ?? ''}`);
  }
}
process.exit(failed ? 1 : 0);
