// What a fresh `import('@sabkit/multiprocessing')` loads: no Node built-in beyond node:module and
// node:vm (the ES module entry's loader, scripts/cjs-loader.mjs), and not the manager's client and
// server machinery nor the task loader (dist/cjs/manager/channel-client.js, object-server.js,
// tasks/inline.js), which load with their first use. No timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const helper = new URL('../../../../scripts/import-footprint-test.mjs', import.meta.url).href;
const { fresh, BUILTINS, readsOf } = (await import(
  helper
)) as typeof import('../../../scripts/import-footprint-test.mjs');
const here = new URL('.', import.meta.url);

const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url).href;

test('import loads no worker_threads/os/net and no manager machinery; a Pool and a Manager work', {
  timeout: 60_000,
}, () => {
  const out = fresh(here, [
    ...BUILTINS,
    "const mp = await import('@sabkit/multiprocessing');",
    'const atImport = builtins();',
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/x.js');",
    "const dir = require.resolve('@sabkit/multiprocessing').replace(/index\\.js$/, '');",
    "const lazy = ['manager/channel-client.js', 'manager/object-server.js', 'tasks/inline.js'];",
    'const loadedAtImport = lazy.filter((f) => dir + f in require.cache);',
    'const pool = new mp.Pool({ processes: 1 });',
    `const squares = await pool.map({ filename: ${JSON.stringify(tasks)}, name: 'square' }, [1, 2, 3]);`,
    'await pool.close();',
    'await pool.join();',
    'const m = new mp.SyncManager();',
    'await m.start();',
    'const d = m.dict();',
    "d.set('x', 41);",
    "const x = d.get('x') + 1;",
    'await m.shutdown();',
    'const loadedAfter = lazy.filter((f) => dir + f in require.cache);',
    'console.log(JSON.stringify({ atImport, loadedAtImport, squares, x, loadedAfter }));',
  ]);
  assert.deepEqual(out, {
    atImport: ['module', 'vm'],
    loadedAtImport: [],
    squares: [1, 4, 9],
    x: 42,
    loadedAfter: ['manager/channel-client.js', 'manager/object-server.js', 'tasks/inline.js'],
  });
});

// One pack (scripts/build-cjs.mjs) carries what the import runs of atomics-sync and piscina too;
// pool/chunks.js calls import(), so Node's require() loads it from its file.
test("import reads one pack, none of atomics-sync's or piscina's", { timeout: 60_000 }, () => {
  const out = fresh(here, [...readsOf('@sabkit/multiprocessing'), 'console.log(JSON.stringify({ dist }));']);
  assert.deepEqual(out.dist, ['multiprocessing/cjs/index.pack', 'multiprocessing/cjs/pool/chunks.js']);
});
