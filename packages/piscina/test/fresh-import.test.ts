// A fresh process that imports only @sabkit/piscina: the pool's main thread loads
// @sabkit/atomics-sync/core, not the package index (engine/kinds.ts), and still revives a sabkit
// object a task returns, by loading the index at that moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tasks = new URL('./fixtures/tasks.js', import.meta.url).href;

test('a fresh process: importing the pool loads no atomics-sync index; a returned Value is revived', {
  timeout: 60_000,
}, () => {
  const script = [
    "import { createRequire } from 'node:module';",
    "const { Piscina } = await import('@sabkit/piscina');",
    'const require = createRequire(import.meta.url);',
    "const index = require.resolve('@sabkit/atomics-sync');",
    'const before = index in require.cache;',
    `const pool = new Piscina({ filename: ${JSON.stringify(tasks)}, maxThreads: 1 });`,
    'const n = await pool.run({ a: 2, b: 3 });',
    'const afterNumber = index in require.cache;',
    "const v = await pool.run(7, { name: 'makeValue' });",
    'const out = { before, n, afterNumber, after: index in require.cache, kind: v.constructor.name, value: v.value };',
    'await pool.destroy();',
    'console.log(JSON.stringify(out));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  assert.deepEqual(out, { before: false, n: 5, afterNumber: false, after: true, kind: 'Value', value: 7 });
});
