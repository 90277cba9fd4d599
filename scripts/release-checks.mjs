#!/usr/bin/env node
// The repository-wide checks of the root test command, after the packages' own tests: each runs
// in its own process and writes .test-results/<name>.json for scripts/test-summary.mjs; one that
// dies before writing it is recorded here as failed, so it cannot vanish from the count.
//   demo      every example of every package runs (scripts/run-examples.mjs --all)
//   snippets  every TypeScript block of the READMEs and docs/ compiles under strict, the runnable
//             ones run (scripts/check-doc-snippets.mjs)
//   api-docs  typedoc generates docs/api/ for every package without a warning (scripts/api-docs.mjs)
//   packages  the packed tarballs: metadata, shipped files, README links, source maps, ESM, CJS
//             and strict TypeScript in an empty project (scripts/check-packages.mjs)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const CHECKS = [
  ['demo', ['scripts/run-examples.mjs', '--all', '--results']],
  ['snippets', ['scripts/check-doc-snippets.mjs']],
  ['api-docs', ['scripts/api-docs.mjs', '--check']],
  ['packages', ['scripts/check-packages.mjs']],
];
const only = process.argv.slice(2);
let failed = false;
for (const [name, args] of CHECKS) {
  if (only.length > 0 && !only.includes(name)) continue;
  const result = join(ROOT, '.test-results', `${name}.json`);
  rmSync(result, { force: true });
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', timeout: 600_000 });
  if (r.status !== 0) failed = true;
  if (!existsSync(result)) {
    mkdirSync(join(ROOT, '.test-results'), { recursive: true });
    const res = { pkg: `checks: ${name}`, runtime: `node ${process.version}`, pass: 0, fail: 1, skipped: 0 };
    writeFileSync(result, JSON.stringify(res));
    console.log(`${name}: ended (exit ${r.status} ${r.signal ?? ''}) without a result: counted as failed`);
  }
}
process.exit(failed ? 1 : 0);
