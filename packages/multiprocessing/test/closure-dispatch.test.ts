// A closure is refused in the caller before anything is dispatched, as Python refuses to pickle
// one: the function's first statement sets a shared flag, and the flag must stay unset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, Process, parallelFor } from '../src/index.js';

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
  assert.throws(() => new Process({ target: task, args: [flag, 1] }).start(), refused);
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
