// The published build's two faces, require() and import: one implementation on every Node 20+
// (scripts/module-formats-test.mjs), and this package driven end to end from CommonJS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const helper = new URL('../../../../scripts/module-formats-test.mjs', import.meta.url).href;
const { moduleFormatTests, flagRefusesRequireEsm, NO_REQUIRE_ESM } = (await import(
  helper
)) as typeof import('../../../scripts/module-formats-test.mjs');
moduleFormatTests(pkgDir);

/** Writes `files` into a directory inside the package (so it resolves itself by name) and runs main.cjs. */
function runCjs(files: Record<string, string>, flags: string[]): unknown {
  const dir = join(pkgDir, '.test-build', 'module-formats', 'pool');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [...flags, join(dir, 'main.cjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `main.cjs failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const POOL_FILES = {
  'task.cjs': [
    "const P = require('@sabkit/piscina');",
    'module.exports = (x) => ({ value: x * 21, isWorkerThread: P.isWorkerThread, static: P.Piscina === P });',
    '',
  ].join('\n'),
  'main.cjs': [
    "const Piscina = require('@sabkit/piscina');",
    "const { join } = require('node:path');",
    'async function main() {',
    "  const pool = new Piscina({ filename: join(__dirname, 'task.cjs'), maxThreads: 1 });",
    '  try {',
    '    const result = await pool.run(2);',
    "    const esm = await import('@sabkit/piscina');",
    '    const ac = new AbortController();',
    '    ac.abort();',
    '    const aborted = await pool.run(1, { signal: ac.signal }).catch((e) => e);',
    '    return {',
    '      result,',
    '      esmDefault: esm.default === Piscina,',
    '      abortInstanceof: aborted instanceof Piscina.AbortError && aborted instanceof esm.AbortError,',
    '    };',
    '  } finally {',
    '    await pool.destroy();',
    '  }',
    '}',
    'main().then((r) => console.log(JSON.stringify(r)));',
    '',
  ].join('\n'),
};
const POOL_EXPECTED = {
  result: { value: 42, isWorkerThread: true, static: true },
  esmDefault: true,
  abortInstanceof: true,
};

test('a CommonJS script runs a pool task end to end (CommonJS task file)', { timeout: 60_000 }, () => {
  assert.deepEqual(runCjs(POOL_FILES, []), POOL_EXPECTED);
});

test('... and without require(esm) (--no-experimental-require-module)', { timeout: 60_000 }, (t) => {
  if (!flagRefusesRequireEsm(pkgDir)) {
    t.skip(`this Node does not take ${NO_REQUIRE_ESM}`);
    return;
  }
  assert.deepEqual(runCjs(POOL_FILES, [NO_REQUIRE_ESM]), POOL_EXPECTED);
});
