// The published build's two faces (scripts/build-cjs.mjs): dist/ holds one CommonJS implementation
// and ES module entries that re-export it. For every entry of this package, in new processes:
// require() and import give the same objects (so instanceof holds across them, in either order
// of loading), and every name the ES module entry exports is on the CommonJS module. Also with
// --no-experimental-require-module, which makes Node 20.19+/22 refuse require() of an ES module
// as Node 20.0-20.18 does: the CommonJS face must not need require(esm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const checker = fileURLToPath(new URL('../../../../scripts/check-module-formats.mjs', import.meta.url));
const NO_REQUIRE_ESM = '--no-experimental-require-module';

/** Whether this Node takes the flag and then refuses require() of an ES module (proves the flag works). */
function flagRefusesRequireEsm(): boolean {
  const dir = join(pkgDir, '.test-build', 'module-formats');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'esm-probe.mjs'), 'export const x = 1;\n');
  const r = spawnSync(process.execPath, [NO_REQUIRE_ESM, '-e', "require('./esm-probe.mjs')"], {
    cwd: dir,
    encoding: 'utf8',
  });
  return r.status !== 0 && r.stderr.includes('ERR_REQUIRE_ESM');
}

function check(flags: string[]): void {
  const r = spawnSync(process.execPath, [checker, pkgDir, ...flags], { encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  assert.ok(lines.length >= 2, `the checker reported on every entry: ${r.stdout}${r.stderr}`);
  for (const l of lines) assert.ok(l.ok, JSON.stringify(l));
  assert.equal(r.status, 0, r.stderr);
}

test('require() and import of each entry give the same objects; every ESM name is on the CJS module', () => {
  check([]);
});

test('the CommonJS face loads without require(esm) (--no-experimental-require-module)', (t) => {
  if (!flagRefusesRequireEsm()) {
    t.skip(`this Node does not take ${NO_REQUIRE_ESM}`);
    return;
  }
  check([NO_REQUIRE_ESM]);
});

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
  if (!flagRefusesRequireEsm()) {
    t.skip(`this Node does not take ${NO_REQUIRE_ESM}`);
    return;
  }
  assert.deepEqual(runCjs(POOL_FILES, [NO_REQUIRE_ESM]), POOL_EXPECTED);
});
