// The tests every package runs on its published build's two faces (scripts/build-cjs.mjs): dist/
// holds one CommonJS implementation and ES module entries that re-export it. For every entry, in
// new processes (scripts/check-module-formats.mjs): require() and import give the same objects
// (so instanceof holds across them, in either order of loading), and every name the ES module
// entry exports is on the CommonJS module. Also with --no-experimental-require-module, which makes
// Node 20.19+/22 refuse require() of an ES module as Node 20.0-20.18 does: the CommonJS face must
// not need require(esm). Each package's test/module-formats.test.ts calls moduleFormatTests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NO_REQUIRE_ESM = '--no-experimental-require-module';
const checker = fileURLToPath(new URL('./check-module-formats.mjs', import.meta.url));

/** Whether this Node takes the flag and then refuses require() of an ES module (proves the flag works). */
export function flagRefusesRequireEsm(pkgDir) {
  const dir = join(pkgDir, '.test-build', 'module-formats');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'esm-probe.mjs'), 'export const x = 1;\n');
  const r = spawnSync(process.execPath, [NO_REQUIRE_ESM, '-e', "require('./esm-probe.mjs')"], {
    cwd: dir,
    encoding: 'utf8',
  });
  return r.status !== 0 && r.stderr.includes('ERR_REQUIRE_ESM');
}

function check(pkgDir, flags) {
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

/** Registers the two tests for the package at `pkgDir`. */
export function moduleFormatTests(pkgDir) {
  test('require() and import of each entry give the same objects; every ESM name is on the CJS module', () => {
    check(pkgDir, []);
  });
  test('the CommonJS face loads without require(esm) (--no-experimental-require-module)', (t) => {
    if (!flagRefusesRequireEsm(pkgDir)) {
      t.skip(`this Node does not take ${NO_REQUIRE_ESM}`);
      return;
    }
    check(pkgDir, [NO_REQUIRE_ESM]);
  });
}

/** Writes `files` into a directory inside the package (so it resolves itself by name) and runs main.cjs. */
function runCjs(pkgDir, name, files, flags) {
  const dir = join(pkgDir, '.test-build', 'module-formats', name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const r = spawnSync(process.execPath, [...flags, join(dir, 'main.cjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `main.cjs failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * Registers two tests: a CommonJS script (`files['main.cjs']`, printing a JSON line last) that
 * drives the package end to end gives `expected`, with and without require(esm).
 */
export function cjsScriptTests(pkgDir, name, title, files, expected) {
  test(title, { timeout: 60_000 }, () => {
    assert.deepEqual(runCjs(pkgDir, name, files, []), expected);
  });
  test('... and without require(esm) (--no-experimental-require-module)', { timeout: 60_000 }, (t) => {
    if (!flagRefusesRequireEsm(pkgDir)) {
      t.skip(`this Node does not take ${NO_REQUIRE_ESM}`);
      return;
    }
    assert.deepEqual(runCjs(pkgDir, name, files, [NO_REQUIRE_ESM]), expected);
  });
}
