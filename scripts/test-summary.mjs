#!/usr/bin/env node
// Adds up the per-package, per-runtime results written by run-tests.mjs and prints one closing
// line, "tests: N passed, N failed", so the total is readable whatever turbo did to the log.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let pass = 0, fail = 0, skipped = 0;
const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'packages');
for (const pkg of readdirSync(root)) {
  const dir = join(root, pkg, '.test-results');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (r.skippedRuntime) { console.log(`${r.pkg}: ${r.runtime} skipped (${r.skippedRuntime})`); continue; }
    console.log(`${r.pkg} on ${r.runtime}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped`);
    pass += r.pass; fail += r.fail; skipped += r.skipped;
  }
}
console.log(`tests: ${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(fail > 0 || pass === 0 ? 1 : 0);
