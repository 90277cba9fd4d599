// The first `new Piscina()` in a fresh process starts its threads before the engine
// (dist/cjs/engine/core.js, ~90 KB) is loaded, so they boot while the main thread loads it
// (engine/thread-start.ts); the engine then adopts them. Watched through a subclass of the real
// Worker put in place before the package is imported (every thread still starts for real), which
// notes whether the engine was in require.cache at each `new Worker`. No timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tasks = new URL('./fixtures/tasks.js', import.meta.url).href;

function fresh(lines: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', lines.join('\n')], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
}

const watch = [
  "const { createRequire } = await import('node:module');",
  "const require = createRequire(process.cwd() + '/x.js');",
  "const engine = require.resolve('@sabkit/piscina').replace(/index\\.js$/, 'engine/core.js');",
  "const wt = require('node:worker_threads');",
  'const made = [];',
  'wt.Worker = class extends wt.Worker {',
  '  constructor(...a) { super(...a); made.push({ worker: this, engineLoaded: engine in require.cache }); }',
  '};',
  "const { Piscina } = await import('@sabkit/piscina');",
];

test('the first pool starts its threads before the engine loads, and the engine adopts them', {
  timeout: 60_000,
}, () => {
  const out = fresh([
    ...watch,
    `const pool = new Piscina({ filename: ${JSON.stringify(tasks)}, minThreads: 2, maxThreads: 2 });`,
    'const engineAfter = engine in require.cache;',
    'const created = [];',
    "pool.on('workerCreate', (w) => created.push(w.id));",
    'const adopted = pool.threads.length === 2 && made.every((m, i) => pool.threads[i] === m.worker);',
    'const results = await Promise.all([pool.run({ a: 2, b: 3 }), pool.run({ a: 1, b: 1 })]);',
    `const second = new Piscina({ filename: ${JSON.stringify(tasks)}, minThreads: 1, maxThreads: 1 });`,
    'const r2 = await second.run({ a: 4, b: 4 });',
    'await Promise.all([pool.destroy(), second.destroy()]);',
    "const cores = (await import('node:os')).availableParallelism();",
    'console.log(JSON.stringify({ order: made.map((m) => m.engineLoaded), engineAfter, adopted, cores,',
    '  created: created.length, results, r2 }));',
  ]);
  // The first pool's threads, as many as leave a core to the main thread (at least one), exist
  // before the engine; its others and the second pool's after.
  const early = Math.min(2, Math.max(1, (out.cores as number) - 1));
  assert.deepEqual(out.order, [false, false, true, true].slice(2 - early, 5 - early));
  assert.equal(out.engineAfter, true);
  assert.equal(out.adopted, true);
  assert.equal(out.created, 2);
  assert.deepEqual(out.results, [5, 2]);
  assert.equal(out.r2, 8);
});

test("the first pool's workers share main's liveness table, published before they start", {
  timeout: 60_000,
}, () => {
  const out = fresh([
    "const { Piscina } = await import('@sabkit/piscina');",
    `const pool = new Piscina({ filename: ${JSON.stringify(tasks)}, minThreads: 2, maxThreads: 2 });`,
    "const words = await Promise.all([0, 1].map(() => pool.run(null, { name: 'markLiveness' })));",
    "const { livenessTable } = await import('@sabkit/atomics-sync/core');",
    'const t = livenessTable();',
    'const seen = words.map((w) => Atomics.load(t, w));',
    'await pool.destroy();',
    'console.log(JSON.stringify({ seen }));',
  ]);
  assert.deepEqual(out.seen, [0x5ab, 0x5ab], "what the workers wrote is in main's table");
});

test('invalid options throw before any thread starts; a refused thread is reported as before', {
  timeout: 60_000,
}, () => {
  const out = fresh([
    ...watch,
    'const errors = [];',
    `for (const o of [{ minThreads: 2, maxThreads: 1 }, { maxThreads: -1 }, { idleTimeout: 'x' }]) {`,
    `  try { new Piscina({ filename: ${JSON.stringify(tasks)}, ...o }); errors.push(null); }`,
    '  catch (e) { errors.push(e.code ?? e.name); }',
    '}',
    'const threadsAfterInvalid = made.length;',
    'let refused;',
    `try { new Piscina({ filename: ${JSON.stringify(tasks)}, minThreads: 1, execArgv: ['--no-such-flag'] }); }`,
    'catch (e) { refused = { name: e.name, code: e.code, cause: e.cause?.code }; }',
    'console.log(JSON.stringify({ errors, threadsAfterInvalid, refused, made: made.length }));',
  ]);
  assert.equal((out.errors as unknown[]).length, 3);
  assert.ok(
    (out.errors as unknown[]).every((e) => e !== null),
    JSON.stringify(out.errors),
  );
  assert.equal(out.threadsAfterInvalid, 0);
  assert.deepEqual(out.refused, {
    name: 'WorkerStartError',
    code: 'ERR_SABKIT_WORKER_START',
    cause: 'ERR_WORKER_INVALID_EXEC_ARGV',
  });
  assert.equal(out.made, 0);
});
