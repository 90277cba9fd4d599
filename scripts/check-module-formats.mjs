#!/usr/bin/env node
// Checks a built package's two faces (scripts/build-cjs.mjs): for every entry in its exports,
// `require()` and `import` must give the same objects (one implementation, so `instanceof` holds
// across them), and every name the ES module entry exports must be on the CommonJS module. A name
// that two entries export must be the same object in both.
//
// Usage: node scripts/check-module-formats.mjs <package dir> [node flag...]
// Prints one JSON line per entry and order (require first, import first), and exits 1 if any
// check failed. The probe runs in a new process with the given node flags (e.g.
// --no-experimental-require-module, which Node 20.19+ and 22 take, to act as a Node before
// require(esm): the CommonJS face must not need it) from a file inside the package, so that the
// package resolves itself by name through its exports.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [pkgArg, ...flags] = process.argv.slice(2);
const pkgDir = resolve(pkgArg ?? '.');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const probeDir = join(pkgDir, '.test-build', 'module-formats');
mkdirSync(probeDir, { recursive: true });
const probe = join(probeDir, 'probe.cjs');
writeFileSync(
  probe,
  `'use strict';
// Written by scripts/check-module-formats.mjs.
const [spec, order, cjsFile] = process.argv.slice(2);
async function main() {
  let cjs;
  let esm;
  if (order === 'import-first') {
    esm = await import(spec);
    cjs = require(spec);
  } else {
    cjs = require(spec);
    esm = await import(spec);
  }
  const esmNames = Object.keys(esm).filter((k) => k !== 'default');
  const cjsNames =
    typeof cjs === 'function'
      ? Object.getOwnPropertyNames(cjs).filter((k) => !['prototype', 'length', 'name'].includes(k))
      : Object.keys(cjs).filter((k) => k !== 'default');
  const missingOnCjs = esmNames.filter((k) => !(k in cjs));
  const missingOnEsm = cjsNames.filter((k) => !esmNames.includes(k));
  const different = esmNames.filter((k) => k in cjs && !Object.is(esm[k], cjs[k]));
  // instanceof across the two faces, for every exported error class that can be made from a message.
  const instanceChecks = [];
  for (const k of esmNames) {
    const C = esm[k];
    if (typeof C !== 'function' || !(C.prototype instanceof Error)) continue;
    let a;
    let b;
    try {
      a = new C('probe');
      b = new cjs[k]('probe');
    } catch {
      continue;
    }
    instanceChecks.push({ name: k, ok: a instanceof cjs[k] && b instanceof esm[k] });
  }
  const defaultSame = typeof cjs === 'function' ? esm.default === cjs : true;
  // The file the entry's \`require\` condition names (dist/cjs/... for the built entries).
  const requireCacheHasCjs = Object.keys(require.cache).includes(cjsFile);
  return {
    spec,
    order,
    esmNames: esmNames.length,
    missingOnCjs,
    missingOnEsm,
    different,
    instanceChecks,
    defaultSame,
    requireCacheHasCjs,
  };
}
main().then(
  (r) => console.log(JSON.stringify(r)),
  (e) => {
    console.log(JSON.stringify({ spec, order, error: String(e && e.stack ? e.stack : e) }));
  },
);
`,
);

// Browser-only entries (a pool's Web Worker script: no require or import condition) are not Node's.
const keys = Object.keys(pkg.exports).filter(
  (k) => k !== './package.json' && (pkg.exports[k].require !== undefined || pkg.exports[k].import !== undefined),
);
const specs = keys.map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
let failed = false;
for (const [i, spec] of specs.entries()) {
  const cjsFile = join(pkgDir, pkg.exports[keys[i]].require);
  for (const order of ['require-first', 'import-first']) {
    const r = spawnSync(process.execPath, [...flags, probe, spec, order, cjsFile], {
      encoding: 'utf8',
      cwd: probeDir,
    });
    let result;
    try {
      result = JSON.parse(r.stdout.trim().split('\n').pop());
    } catch {
      result = { spec, order, error: `exit ${r.status}: ${r.stderr}` };
    }
    const ok =
      result.error === undefined &&
      result.missingOnCjs.length === 0 &&
      result.missingOnEsm.length === 0 &&
      result.different.length === 0 &&
      result.instanceChecks.every((c) => c.ok) &&
      result.defaultSame &&
      result.requireCacheHasCjs;
    if (!ok) failed = true;
    console.log(JSON.stringify({ ok, ...result }));
  }
}
// Across entries: a name two entries export is one object (index and core, index and internal
// share their modules, not copies of them). The built entries only (not a tool shipped as it is,
// such as the bundler plugin under bundlers/).
const built = specs.filter((_, i) => pkg.exports[keys[i]].require.startsWith('./dist/'));
if (built.length > 1) {
  const cross = join(probeDir, 'cross.cjs');
  writeFileSync(
    cross,
    `'use strict';
const specs = ${JSON.stringify(built)};
const mods = specs.map((s) => require(s));
const differ = [];
let common = 0;
for (let i = 0; i < mods.length; i++)
  for (let j = i + 1; j < mods.length; j++)
    for (const k of Object.getOwnPropertyNames(mods[i])) {
      if (['prototype', 'length', 'name', 'default'].includes(k) || !(k in mods[j])) continue;
      common++;
      if (!Object.is(mods[i][k], mods[j][k])) differ.push(specs[i] + ' ' + specs[j] + ' ' + k);
    }
console.log(JSON.stringify({ cross: specs, common, differ }));
`,
  );
  const r = spawnSync(process.execPath, [...flags, cross], { encoding: 'utf8', cwd: probeDir });
  let result;
  try {
    result = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    result = { cross: built, error: `exit ${r.status}: ${r.stderr}` };
  }
  const ok = result.error === undefined && result.differ.length === 0 && result.common > 0;
  if (!ok) failed = true;
  console.log(JSON.stringify({ ok, ...result }));
}
process.exitCode = failed ? 1 : 0;
