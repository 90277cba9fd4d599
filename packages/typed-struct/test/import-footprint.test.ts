// What a fresh `import('@sabkit/typed-struct')` loads: no Node built-in beyond node:module and
// node:vm (the ES module entry's loader, scripts/cjs-loader.mjs); a struct type and a value still
// work. No timings: what is loaded, not how fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const helper = new URL('../../../../scripts/import-footprint-test.mjs', import.meta.url).href;
const { fresh, BUILTINS, readsOf } = (await import(
  helper
)) as typeof import('../../../scripts/import-footprint-test.mjs');
const here = new URL('.', import.meta.url);

test('import loads no worker_threads, v8 or os; a struct works', { timeout: 60_000 }, () => {
  const out = fresh(here, [
    ...BUILTINS,
    "const t = await import('@sabkit/typed-struct');",
    'const atImport = builtins();',
    "const P = t.struct({ x: 'f64', y: 'i32' }, { name: 'P' });",
    'const p = P.create({ x: 1.5, y: 2 });',
    'console.log(JSON.stringify({ atImport, x: p.x, y: p.y }));',
  ]);
  assert.deepEqual(out, { atImport: ['module', 'vm'], x: 1.5, y: 2 });
});

// typed-struct takes its errors, sharing protocol and struct-type registry from atomics-sync's small
// `core` entry; atomics-sync's index (Lock and the other primitives) loads with the first lock() field.
test('import loads atomics-sync/core, not its index; the first lock() field loads it, one Lock class', {
  timeout: 60_000,
}, () => {
  const out = fresh(here, [
    "const t = await import('@sabkit/typed-struct');",
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/x.js');",
    "const index = require.resolve('@sabkit/atomics-sync');",
    "const core = require.resolve('@sabkit/atomics-sync/core');",
    'const indexAtImport = index in require.cache;',
    'const coreAtImport = core in require.cache;',
    "const Counter = t.struct({ hits: 'u32', mu: t.lock() }, { name: 'Counter' });",
    'const c = Counter.create();',
    'c.mu.withLock(() => { c.hits += 1; });',
    "const a = await import('@sabkit/atomics-sync');",
    'const value = new a.Value(Counter);',
    'const revived = a.revive(structuredClone(value));',
    'console.log(JSON.stringify({ indexAtImport, coreAtImport, indexAfter: index in require.cache,',
    '  sameLock: c.mu instanceof a.Lock, hits: c.hits, revived: revived instanceof a.Value }));',
  ]);
  assert.deepEqual(out, {
    indexAtImport: false,
    coreAtImport: true,
    indexAfter: true,
    sameLock: true,
    hits: 1,
    revived: true,
  });
});

// One pack (scripts/build-cjs.mjs): typed-struct's index.pack carries the atomics-sync modules its
// import runs (core's re-exports load on first read: core, errors, shared, struct-type), so the
// import reads no atomics-sync file.
test('import reads one pack, no atomics-sync file', { timeout: 60_000 }, () => {
  const out = fresh(here, [...readsOf('@sabkit/typed-struct'), 'console.log(JSON.stringify({ dist }));']);
  assert.deepEqual(out.dist, ['typed-struct/cjs/index.pack']);
});
