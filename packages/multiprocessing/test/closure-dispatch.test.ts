// A closure is refused in the caller before anything is dispatched, as Python refuses to pickle
// one: the function's first statement sets a shared flag, and the flag must stay unset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, Process, parallelFor } from '../src/index.js';

// A global the pool's initializer creates in each worker (test/fixtures/mp-tasks.ts), and a name
// that exists nowhere.
declare const __mpInit: { tag: string };
declare const nowhere: number;

const refused = { name: 'InlineFunctionError', message: /is a closure: it refers to `offset`/ };

test('Pool.apply, Pool.map, Process.start and parallelFor run nothing of a closure', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const offset = 10;
  const task = (f: Int32Array, x: number): number => {
    Atomics.store(f, 0, 1);
    return x + offset;
  };
  await assert.rejects(async () => pool.apply(task, [flag, 1]), refused);
  await assert.rejects(async () => pool.map((x: number) => task(flag, x), [1, 2, 3]), {
    name: 'InlineFunctionError',
    message: /refers to `task`, `flag`/,
  });
  await assert.rejects(async () => pool.starmap(task, [[flag, 1]]), refused);
  // As Python: the Process is made, and start() raises (Python raises when it pickles the target).
  const p = new Process({ target: task, args: [flag, 1] });
  assert.throws(() => p.start(), refused);
  assert.equal(p.pid, null, 'no child was started');
  await assert.rejects(
    parallelFor(
      4,
      (i: number, f: Int32Array) => {
        Atomics.store(f, 0, 1);
        return i + offset;
      },
      { pool, args: [flag] },
    ),
    refused,
  );
  // Give anything that was sent after all a chance to run before looking.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(Atomics.load(flag, 0), 0);
  // The pool is untouched and works.
  assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2]), [2, 3]);
});

test('a Pool with an initializer leaves names it cannot see to the worker (the initializer may define them)', {
  timeout: 30_000,
}, async () => {
  const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url);
  const runs = new Int32Array(new SharedArrayBuffer(8));
  await using pool = new Pool({
    processes: 1,
    initializer: { filename: tasks, name: 'countInit' },
    initargs: [runs, 't'],
  });
  // `__mpInit` is a global the initializer creates in each worker; this thread has none.
  assert.deepEqual(await pool.map(() => __mpInit.tag, [1, 2]), ['t', 't']);
  // A name neither side has still fails, in the worker, with the rule explained.
  await assert.rejects(
    pool.apply(() => nowhere + 1),
    { name: 'InlineFunctionError', message: /nowhere/ },
  );
});
