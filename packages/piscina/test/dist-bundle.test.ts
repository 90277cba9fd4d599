// The published build. The other tests run the pool compiled file by file into .test-build; users
// run dist/, whose worker entry is one CommonJS bundle (scripts/bundle-worker.mjs) carrying its own
// copy of atomics-sync's core, compiled by the launch script with a V8 code cache. This checks that
// bundle: it is one script, everything that crosses it (sabkit objects revived through the copy,
// error classes, progress, a failing task module) works, and later workers use the code cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Lock, Value, registerErrorClass } from '@sabkit/atomics-sync';
import { Piscina, TaskModuleError } from '@sabkit/piscina';
import { CodedError } from './fixtures/tasks.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);

const distWorker = createRequire(import.meta.url)
  .resolve('@sabkit/piscina')
  .replace(/index\.js$/, 'worker/');

test('dist/worker/entry.cjs is one CommonJS script that requires only node: builtins and never calls import()', () => {
  const src = readFileSync(`${distWorker}entry.cjs`, 'utf8');
  // Plain require() calls; `launch.require(...)` is the launch script's, for what loads on demand.
  const required = [...src.matchAll(/(?<![.\w$])require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  assert.ok(required.includes('node:worker_threads'), 'it requires node:worker_threads');
  assert.deepEqual(
    required.filter((s) => !s.startsWith('node:')),
    [],
    'only node: builtins are required',
  );
  assert.doesNotMatch(src, /^\s*import\s[^(]/m, 'no static ES import');
  // vm.Script-compiled code has no import() on Node 20 without --experimental-vm-modules.
  assert.doesNotMatch(src, /\bimport\(/, 'no import(): it imports through the launch script');
  assert.match(src, /function encodeInto\(/, "atomics-sync's codec is inside the bundle");
  // Names are bound directly: no namespace object with a getter per export built at the worker's start.
  assert.doesNotMatch(src, /\b__export\(/, 'no module namespace object (bundle-worker.mjs namespaceCopies)');
  assert.ok(existsSync(`${distWorker}launch.cjs`), 'the launch script is there');
  assert.ok(!existsSync(`${distWorker}entry.js`), 'no unbundled entry left beside it');
});

test('workers started after the first one compile the entry from its code cache', { timeout: 30_000 }, async () => {
  // Its own execArgv, so that no other test's pool made this cache already (caches are per execArgv).
  const execArgv = ['--no-deprecation', '--no-warnings'];
  const first = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, execArgv });
  try {
    assert.equal(await first.run(null, { name: 'codeCacheStatus' }), 'none', 'the first worker had no cache to use');
    // The first worker sends the cache after its background start-up: poll with new pools, bounded.
    const deadline = Date.now() + 20_000;
    let status: unknown;
    do {
      await new Promise((r) => setTimeout(r, 20));
      const next = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, execArgv });
      try {
        status = await next.run(null, { name: 'codeCacheStatus' });
      } finally {
        await next.destroy();
      }
    } while (status === 'none' && Date.now() < deadline);
    assert.equal(status, 'accepted', 'a later worker compiled the entry from the cache');
  } finally {
    await first.destroy();
  }
  // A worker compiled from the cache works as any other.
  registerErrorClass(CodedError);
  const cached = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2, execArgv });
  try {
    assert.deepEqual(await Promise.all([0, 1].map(() => cached.run(null, { name: 'codeCacheStatus' }))), [
      'accepted',
      'accepted',
    ]);
    assert.equal(await cached.run({ a: 2, b: 3 }), 5);
    const counter = new Value('i32', 0);
    assert.equal(await cached.run({ lock: new Lock(), counter, n: 100 }, { name: 'addUnderLock' }), true);
    assert.equal(counter.value, 100);
    const err = await cached.run('boom', { name: 'fail' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CodedError, `expected CodedError, got ${String(err)}`);
    assert.match((err as Error).stack ?? '', /tasks\.js/, 'the stack names the task module');
  } finally {
    await cached.destroy();
  }
});

test('the bundled worker: results, sabkit objects both ways, error classes, progress, a missing module', {
  timeout: 30_000,
}, async () => {
  registerErrorClass(CodedError);
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2 });
  try {
    assert.equal(await pool.run({ a: 2, b: 3 }), 5);
    const lock = new Lock();
    const counter = new Value('i32', 0);
    const ok = await Promise.all([0, 1, 2, 3].map(() => pool.run({ lock, counter, n: 500 }, { name: 'addUnderLock' })));
    assert.deepEqual(ok, [true, true, true, true], 'the worker revived a live Lock and Value');
    assert.equal(counter.value, 2000);
    const made = (await pool.run(7, { name: 'makeValue' })) as Value<'i32'>;
    assert.ok(made instanceof Value);
    assert.equal(made.value, 7);
    const err = await pool.run('boom', { name: 'fail' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CodedError, `expected CodedError, got ${String(err)}`);
    assert.equal((err as CodedError).code, 'E_CODED');
    assert.ok((err as Error).cause instanceof TypeError);
    const seen: unknown[] = [];
    assert.equal(await pool.run(3, { name: 'progress', onProgress: (v) => seen.push(v) }), 3);
    assert.equal(seen.length, 3);
    // By name and code: this process also loads the pool compiled from src (the fixtures import
    // it), whose TaskModuleError class registers under the same name.
    await assert.rejects(
      pool.run(1, { filename: new URL('./fixtures/no-such-module.js', import.meta.url).href }),
      (e: unknown) => {
        assert.equal((e as Error).name, 'TaskModuleError');
        assert.equal((e as { code?: unknown }).code, new TaskModuleError('x', 'f', 'default').code);
        assert.match((e as Error).message, /no-such-module/);
        return true;
      },
    );
  } finally {
    await pool.destroy();
  }
});
