// Runs cases.mjs on whichever runtime runs this file (node, bun, deno run -A) and prints one line
// per case and the closing 'N passed, N failed' line. Every case is bounded: one that does not
// settle in CASE_MS fails, and the process exits anyway (a hang must never pass).
import { cases } from './cases.mjs';

const CASE_MS = Number(globalThis.process?.env?.SABKIT_CASE_MS ?? 30_000);
const only = globalThis.process?.env?.SABKIT_CASE_ONLY;
const runtime = globalThis.Deno
  ? `deno ${Deno.version.deno}`
  : globalThis.Bun
    ? `bun ${Bun.version}`
    : `node ${process.version}`;
// Cases that wait on a named piece of work elsewhere, per runtime: while they fail they are reported
// as skipped with that reason; once one passes it counts as passed, and the line says the entry is
// stale (failing the run instead would turn CI red merely because the awaited work merged first).
const PENDING = {};
const pending = PENDING[runtime.split(' ')[0]] ?? {};
let passed = 0;
let failed = 0;
let skipped = 0;
for (const [name, fn] of Object.entries(cases)) {
  if (only && !name.includes(only)) continue;
  const t0 = performance.now();
  let timer;
  try {
    const r = await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not settle in ${CASE_MS} ms`)), CASE_MS);
      }),
    ]);
    if (pending[name] !== undefined) {
      // Passed: counted as such (the work it waited for has landed); the list is stale, say so.
      passed++;
      console.log(`ok   [${runtime}] ${name} (was pending: take it off PENDING in run-cross.mjs)`);
    } else if (typeof r === 'string' && r.startsWith('skip: ')) {
      skipped++;
      console.log(`skip [${runtime}] ${name}: ${r.slice(6)}`);
    } else {
      passed++;
      console.log(`ok   [${runtime}] ${name} (${Math.round(performance.now() - t0)} ms)`);
    }
  } catch (e) {
    if (pending[name] !== undefined) {
      skipped++;
      console.log(`skip [${runtime}] ${name}: pending ${pending[name]} (now: ${String(e).split('\n')[0]})`);
      continue;
    }
    failed++;
    console.log(`FAIL [${runtime}] ${name}: ${e?.stack ?? e}`);
  } finally {
    clearTimeout(timer);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
