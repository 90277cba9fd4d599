// What a fresh `import('@sabkit/atomics-sync')` (and `/core`) loads: no Node built-in beyond
// node:module and node:vm (the ES module entry's loader, scripts/cjs-loader.mjs). node:worker_threads
// comes with the first object that needs the liveness table, or with the thread's first Worker;
// the thread id is right on the main thread and in workers without it. No timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const helper = new URL('../../../../scripts/import-footprint-test.mjs', import.meta.url).href;
const { fresh, BUILTINS } = (await import(helper)) as typeof import('../../../scripts/import-footprint-test.mjs');
const here = new URL('.', import.meta.url);

for (const entry of ['@sabkit/atomics-sync', '@sabkit/atomics-sync/core']) {
  test(`${entry}: import loads no worker_threads, v8 or os`, { timeout: 60_000 }, () => {
    const out = fresh(here, [...BUILTINS, `await import('${entry}');`, 'console.log(JSON.stringify(builtins()));']);
    assert.deepEqual(out, ['module', 'vm']);
  });
}

test('thread ids and the liveness table without worker_threads at import', { timeout: 60_000 }, () => {
  const out = fresh(here, [
    ...BUILTINS,
    "const a = await import('@sabkit/atomics-sync');",
    'const main = a.currentThreadId;',
    // A Worker created before any sabkit object: sabkit watches it from its first Worker on.
    "const { Worker } = await import('node:worker_threads');",
    'const src = "const { parentPort, threadId } = require(\'node:worker_threads\');" +',
    "  `import(${JSON.stringify(import.meta.resolve('@sabkit/atomics-sync'))}).then((a) => " +
      '  parentPort.postMessage([a.currentThreadId, threadId]));`;',
    'const w = new Worker(src, { eval: true, execArgv: [] });',
    "const [inWorker, threadId] = await new Promise((r) => w.once('message', r));",
    "await new Promise((r) => w.once('exit', r));",
    'const watched = a.isThreadDead(threadId);',
    'const lock = new a.Lock();',
    'lock.acquire();',
    'lock.release();',
    'console.log(JSON.stringify({ main, inWorker: inWorker === threadId && threadId > 0, watched }));',
  ]);
  assert.deepEqual(out, { main: 0, inWorker: true, watched: true });
});

test('a Lock made before the first Worker: the worker shares the table and is watched', { timeout: 60_000 }, () => {
  const out = fresh(here, [
    ...BUILTINS,
    "const a = await import('@sabkit/atomics-sync');",
    'const noneAtImport = !loaded("worker_threads");',
    'const lock = new a.Lock();',
    'const atLock = loaded("worker_threads");',
    "const { Worker } = await import('node:worker_threads');",
    'const src = "const { parentPort } = require(\'node:worker_threads\');" +',
    "  `import(${JSON.stringify(import.meta.resolve('@sabkit/atomics-sync'))}).then((a) => " +
      '  parentPort.postMessage(a.livenessTable().buffer));`;',
    'const w = new Worker(src, { eval: true, execArgv: [] });',
    'const id = w.threadId;',
    "const received = await new Promise((r) => w.once('message', r));",
    "await new Promise((r) => w.once('exit', r));",
    // Same memory: a bit set here is seen through the worker's table.
    'a.markThreadDead(a.DEAD_TABLE_THREADS - 1);',
    'const shared = new Int32Array(received).at(-1) !== 0;',
    'console.log(JSON.stringify({ noneAtImport, atLock, shared, watched: a.isThreadDead(id) }));',
    'lock.acquire();',
  ]);
  assert.deepEqual(out, { noneAtImport: true, atLock: true, shared: true, watched: true });
});

// `core` only re-exports; each module it re-exports from loads with the first read of one of its names
// (--lazy-reexports of scripts/build-cjs.mjs), so a package that needs its errors (piscina) does not
// run the sharing protocol, the liveness table's module or the struct-type registry.
test("require('@sabkit/atomics-sync/core') runs core and errors; a name loads its module", { timeout: 60_000 }, () => {
  const out = fresh(here, [
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/x.js');",
    "const core = require('@sabkit/atomics-sync/core');",
    "const dir = require.resolve('@sabkit/atomics-sync/core').replace(/core\\.js$/, '');",
    'const loaded = () =>',
    '  Object.keys(require.cache).filter((f) => f.startsWith(dir)).map((f) => f.slice(dir.length)).sort();',
    'const atRequire = loaded();',
    'const ok = core.SabkitError.name === "SabkitError" && typeof core.livenessTable === "function";',
    'const afterRead = loaded();',
    'console.log(JSON.stringify({ atRequire, ok, afterRead }));',
  ]);
  assert.deepEqual(out.atRequire, ['core.js', 'errors.js']);
  assert.equal(out.ok, true);
  // livenessTable's module, and the sharing protocol it uses; not struct-type, codec, error-transport.
  assert.deepEqual(out.afterRead, ['core.js', 'errors.js', 'runtime/liveness.js', 'runtime/shared.js']);
});
