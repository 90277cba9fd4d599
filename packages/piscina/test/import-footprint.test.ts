// What a fresh `import('@sabkit/piscina')` loads: the public surface only. No Node built-in beyond
// node:module and node:vm (the ES module entry's loader, scripts/cjs-loader.mjs): node:worker_threads,
// node:os, node:perf_hooks come with the first pool. The engine
// (dist/cjs/engine/core.js) is loaded by the first `new Piscina()`. Whether the package is reached
// by import or require, it is one module instance. No timings: what is loaded, not how fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const helper = new URL('../../../../scripts/import-footprint-test.mjs', import.meta.url).href;
const { fresh, BUILTINS, readsOf } = (await import(
  helper
)) as typeof import('../../../scripts/import-footprint-test.mjs');
const here = new URL('.', import.meta.url);

const tasks = new URL('./fixtures/tasks.js', import.meta.url).href;

test('import loads no worker_threads/os/perf_hooks and not the engine; the first pool does', {
  timeout: 60_000,
}, () => {
  const out = fresh(here, [
    ...BUILTINS,
    "const m = await import('@sabkit/piscina');",
    'const atImport = builtins();',
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/x.js');",
    "const engine = require.resolve('@sabkit/piscina').replace(/index\\.js$/, 'engine/core.js');",
    'const engineAtImport = engine in require.cache;',
    `const pool = new m.Piscina({ filename: ${JSON.stringify(tasks)}, maxThreads: 1 });`,
    'const engineAtNew = engine in require.cache;',
    'const n = await pool.run({ a: 2, b: 3 });',
    'const afterRun = builtins();',
    'await pool.destroy();',
    'console.log(JSON.stringify({ atImport, engineAtImport, engineAtNew, n, afterRun }));',
  ]);
  assert.deepEqual(out.atImport, ['module', 'vm']);
  assert.equal(out.engineAtImport, false);
  assert.equal(out.engineAtNew, true);
  assert.equal(out.n, 5);
  for (const b of ['worker_threads', 'os', 'perf_hooks'])
    assert.ok((out.afterRun as string[]).includes(b), `${b} after the first run`);
});

test('one instance: import then require, require then import, and the CommonJS shape', { timeout: 60_000 }, () => {
  const check = [
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/x.js');",
  ];
  const compare = [
    'const same = c === m.default && c.Piscina === m.Piscina && c === m.Piscina && c.AbortError === m.AbortError',
    '  && c.move === m.move && c.FixedQueue === m.FixedQueue && typeof c === "function" && c.version === m.version;',
    "const e = require('@sabkit/piscina/internal');",
    "const i = await import('@sabkit/piscina/internal');",
    'const internal = Object.keys(e).every((k) => e[k] === i[k]);',
    'const { isWorkerThread, workerData } = m;',
    'console.log(JSON.stringify({ same, internal, isWorkerThread, workerData: workerData ?? null }));',
  ];
  for (const order of [
    ["const m = await import('@sabkit/piscina');", "const c = require('@sabkit/piscina');"],
    ["const c = require('@sabkit/piscina');", "const m = await import('@sabkit/piscina');"],
  ]) {
    const out = fresh(here, [...check, ...order, ...compare]);
    assert.deepEqual(out, { same: true, internal: true, isWorkerThread: false, workerData: null }, order.join(' '));
  }
});

// The files an import reads from the packages' dist/cjs/: one pack (scripts/build-cjs.mjs), piscina's,
// which also carries the atomics-sync modules its errors load (core's re-exports are deferred, so
// only core, errors and error-transport), not each CommonJS file nor atomics-sync's own pack. The
// script patches fs.readFileSync and fs.openSync around the import, to list what is read.
// The ES module entry (dist/index.js) is Node's to read (Node 24's loader reads it with readFileSync).

test('import reads one pack, not each CommonJS file, and loads 3 atomics-sync modules', { timeout: 60_000 }, () => {
  const out = fresh(here, [
    ...readsOf('@sabkit/piscina'),
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/x.js');",
    "const as = require.resolve('@sabkit/atomics-sync/core').replace(/core\\.js$/, '');",
    'const atomics = Object.keys(require.cache).filter((f) => f.startsWith(as)).map((f) => f.slice(as.length)).sort();',
    // The modules run from the pack are the ones require() finds under their real names.
    "const { SabkitError, ClosedError } = require('@sabkit/atomics-sync');",
    "const p = require('@sabkit/piscina');",
    'const same = p.AbortError.prototype instanceof SabkitError && new p.PoolClosedError() instanceof ClosedError;',
    'console.log(JSON.stringify({ dist, atomics, same }));',
  ]);
  assert.deepEqual(out.dist, ['piscina/cjs/index.pack']);
  assert.deepEqual(out.atomics, ['codec/error-transport.js', 'core.js', 'errors.js']);
  assert.equal(out.same, true);
});

const old = new Date('1985-10-26T08:15:00Z'); // npm's extraction date: packs and files alike
/** Installs piscina and atomics-sync's package.json and dist/ as npm would, under `dir`. */
function install(dir: string): void {
  for (const name of ['piscina', 'atomics-sync']) {
    const to = join(dir, 'node_modules', '@sabkit', name);
    const from = fileURLToPath(new URL(`../../../${name}/`, import.meta.url));
    cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
    cpSync(join(from, 'package.json'), join(to, 'package.json'));
    for (const f of readdirSync(join(to, 'dist'), { recursive: true, encoding: 'utf8' }))
      utimesSync(join(to, 'dist', f), old, old);
  }
}

/** In a fresh node in `dir` (own code cache): readsOf's piscina import, then `report`; its last line, parsed. */
function runIn(dir: string, report: string): Record<string, unknown> {
  const script = join(dir, 'main.mjs');
  writeFileSync(script, [...readsOf('@sabkit/piscina'), report].join('\n'));
  const r = spawnSync(process.execPath, [script], {
    cwd: dir,
    env: { ...process.env, SABKIT_COMPILE_CACHE: join(dir, 'cache') },
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
}

test("piscina's pack carries atomics-sync's modules for that version only", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-pack-'));
  try {
    install(dir);
    // Another version of atomics-sync, byte for byte the same files: only the version tells.
    const json = join(dir, 'node_modules', '@sabkit', 'atomics-sync', 'package.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace(/"version": "[^"]+"/, '"version": "0.0.1-other"'));
    const out = runIn(dir, 'console.log(JSON.stringify({ dist }));');
    assert.deepEqual(out.dist, ['atomics-sync/cjs/core.pack', 'piscina/cjs/index.pack']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file changed after the build (patched) runs from its file, not from the pack', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-pack-'));
  try {
    install(dir);
    const cjs = join(dir, 'node_modules', '@sabkit', 'piscina', 'dist', 'cjs');
    // Same size, newer: only the time tells.
    const movable = join(cjs, 'movable.js');
    const text = readFileSync(movable, 'utf8');
    assert.ok(text.startsWith('"use strict";'));
    writeFileSync(movable, `global.PP=13;${text.slice('"use strict";'.length)}`);
    // Larger, and as old as the pack: the size tells.
    const state = join(cjs, 'worker-state.js');
    writeFileSync(state, `${readFileSync(state, 'utf8')}\nglobal.QQ = 7;\n`);
    utimesSync(state, old, old);
    const out = runIn(dir, 'console.log(JSON.stringify({ dist, pp: global.PP, qq: global.QQ }));');
    assert.equal(out.pp, 13);
    assert.equal(out.qq, 7);
    assert.deepEqual(out.dist, ['piscina/cjs/index.pack', 'piscina/cjs/movable.js', 'piscina/cjs/worker-state.js']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The first pool loads the --lazy modules: thread-start's pack (thread-start.js and the 6 files it
// loads beyond the import's, options.js among them, one read: scripts/build-cjs.mjs), atomics-sync's
// core.pack (the modules core's deferred re-exports load: shared, liveness), then the engine's pack
// (core.js and atomics-sync's lazy codec). Each module still runs once, under its
// own file's name in require.cache, as Node's require() would find it.
test("the first new Piscina() reads the lazy modules' packs, not each file", { timeout: 60_000 }, () => {
  const out = fresh(here, [
    ...readsOf('@sabkit/piscina'),
    'const atImport = dist;',
    "const m = await import('@sabkit/piscina');",
    'reads.length = 0;',
    'watch();',
    `const pool = new m.Piscina({ filename: ${JSON.stringify(tasks)}, minThreads: 2, maxThreads: 2 });`,
    'unwatch();',
    'const atNew = [...new Set(reads)].map((p) => /([^/]+)\\/dist\\/(.*)$/.exec(p))',
    '  .filter((m) => m && /\\.(c?js|pack)$/.test(m[2])).map((m) => `${m[1]}/${m[2]}`).sort();',
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/x.js');",
    "const cjs = require.resolve('@sabkit/piscina').replace(/index\\.js$/, '');",
    "const loaded = ['engine/thread-start.js', 'engine/options.js', 'dispatch/layout.js', 'engine/code-cache.js',",
    "  'worker-file.js']",
    '  .map((f) => require.cache[cjs + f]?.loaded === true && require(cjs + f) === require.cache[cjs + f].exports);',
    'const n = await pool.run({ a: 2, b: 3 });',
    'await pool.destroy();',
    'console.log(JSON.stringify({ atImport, atNew, loaded, n }));',
  ]);
  assert.deepEqual(out.atImport, ['piscina/cjs/index.pack']);
  assert.deepEqual(out.atNew, [
    'atomics-sync/cjs/core.pack',
    'piscina/cjs/engine/core.pack',
    'piscina/cjs/engine/thread-start.pack',
  ]);
  assert.deepEqual(out.loaded, [true, true, true, true, true]);
  assert.equal(out.n, 5);
});

// What the import runs, beyond the files it reads (scripts/cjs-boot.mjs, scripts/build-cjs.mjs): the ES
// module entry finds itself by a V8 call site, not import.meta (whose first use makes Node load and run
// its import.meta initializer), each CommonJS module has one layer of export getters (esbuild's
// second, copied layer is dropped) and sets no `name` a function or class already has: the import
// defines ~205 properties, not ~400.
test('import runs no import.meta initializer and defines < 260 properties', { timeout: 60_000 }, () => {
  const out = fresh(here, [
    'await import(EMPTY_MODULE);',
    'const before = new Set(process.moduleLoadList);',
    'let defined = 0;',
    'const define = Object.defineProperty;',
    'Object.defineProperty = function (o, k, d) { defined++; return define(o, k, d); };',
    "await import('@sabkit/piscina');",
    'Object.defineProperty = define;',
    'const internals = process.moduleLoadList.filter((m) => !before.has(m));',
    'console.log(JSON.stringify({ internals, defined }));',
  ]);
  assert.ok(!(out.internals as string[]).some((m) => m.includes('initialize_import_meta')), String(out.internals));
  assert.ok((out.defined as number) < 260, `${out.defined} properties defined`);
  assert.ok((out.defined as number) > 100, `${out.defined} properties defined: the count does not work`);
});

test("the call site: the caller's prepareStackTrace and stackTraceLimit are kept, and a frozen Error works", {
  timeout: 60_000,
}, () => {
  const out = fresh(here, [
    'Error.stackTraceLimit = 3;',
    'const mine = (e, frames) => `mine:${frames.length}`;',
    'Error.prepareStackTrace = mine;',
    "const m = await import('@sabkit/piscina');",
    'const kept = Error.prepareStackTrace === mine && Error.stackTraceLimit === 3 &&',
    '  new Error().stack.startsWith("mine:");',
    'console.log(JSON.stringify({ kept, ok: typeof m.Piscina === "function" }));',
  ]);
  assert.deepEqual(out, { kept: true, ok: true });
  const frozen = fresh(here, [
    'Object.freeze(Error);',
    "const m = await import('@sabkit/piscina');",
    "const { createRequire } = await import('node:module');",
    "const c = createRequire(process.cwd() + '/x.js')('@sabkit/piscina');",
    'console.log(JSON.stringify({ same: c === m.default }));',
  ]);
  assert.deepEqual(frozen, { same: true });
});

test('a path with escapes in its URL (a space): the entry finds its pack through import.meta', {
  timeout: 60_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit pack %20 '));
  try {
    install(dir);
    const out = runIn(
      dir,
      "const p = await import('@sabkit/piscina'); console.log(JSON.stringify({ dist, ok: typeof p.Piscina }));",
    );
    assert.deepEqual(out, { dist: ['piscina/cjs/index.pack'], ok: 'function' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
