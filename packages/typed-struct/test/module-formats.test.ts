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
