// What a fresh `import('@sabkit/multiprocessing')` loads: no Node built-in beyond node:module and
// node:vm (the ES module entry's loader, scripts/cjs-loader.mjs), and not the manager's client and
// server machinery nor the task loader (dist/cjs/manager/channel-client.js, object-server.js,
// tasks/inline.js), which load with their first use. No timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function fresh(lines: string[]): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-footprint-'));
  try {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const script = lines.join('\n').replaceAll('EMPTY_MODULE', JSON.stringify(pathToFileURL(empty).href));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      env: { ...process.env, SABKIT_COMPILE_CACHE: join(dir, 'cache') },
      encoding: 'utf8',
      timeout: 50_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// With -e, Node's ES module loader loads its file-reading parts at the first import() of a file: an
// empty module imported first loads those before the list is taken.
const builtins = [
  'await import(EMPTY_MODULE);',
  'const before = new Set(process.moduleLoadList);',
  'const builtins = () => process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule [^/]+$/.test(m))',
  "  .map((m) => m.slice('NativeModule '.length)).sort();",
  "const loaded = (b) => process.moduleLoadList.includes('NativeModule ' + b);",
];

const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url).href;

test('import loads no worker_threads/os/net and no manager machinery; a Pool and a Manager work', {
  timeout: 60_000,
}, () => {
  const out = fresh([
    ...builtins,
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
