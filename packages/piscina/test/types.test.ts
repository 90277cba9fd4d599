// The public generic types. Each `@ts-expect-error` below is a program that must NOT compile; if a
// change made the types looser (run() back to `any`, onProgress back to `unknown`), the directive
// would be unused and `tsc -p tsconfig.test.json`, the first step of this package's test, fails.
// The tests then run the same calls, so the types describe what the pool really returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina, type TaskArgument, type TaskResult } from '../src/index.js';

type Tasks = typeof import('./fixtures/tasks.js');
const tasks = new URL('./fixtures/tasks.js', import.meta.url);

/** Compiles only when A and B are the same type (each assignable to the other, and neither `any` alone). */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<_T extends true>(): void {}

test('a pool typed by its task module: run() takes and returns what the module exports take and return', async () => {
  const pool = new Piscina<Tasks>({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    const sum = await pool.run({ a: 4, b: 6 });
    expectType<Equal<typeof sum, number>>();
    assert.equal(sum, 10);
    // Calls that must not compile are made inside functions never called: the types are the test.
    // @ts-expect-error the default export takes { a, b }, not a string
    void (() => pool.run('4 + 6'));
    // @ts-expect-error its result is a number: assigning it to a string does not compile
    const s: string = await pool.run({ a: 1, b: 2 });
    assert.equal(s, 3);

    const slept = await pool.run(1, { name: 'sleep' }); // export async function sleep(ms: number): Promise<number>
    expectType<Equal<typeof slept, number>>();
    assert.equal(typeof slept, 'number');
    // @ts-expect-error sleep takes a number of ms
    void (() => pool.run({ ms: 1 }, { name: 'sleep' }));
    // @ts-expect-error sleep's result is a number
    void (async () => (await pool.run(1, { name: 'sleep' })).toUpperCase());
    // @ts-expect-error no such export
    void (() => pool.run(1, { name: 'nope' }));
    // @ts-expect-error notAFunction is an export, but not a function
    void (() => pool.run(1, { name: 'notAFunction' }));
  } finally {
    await pool.destroy();
  }
});

test('onProgress takes the type of the values reported, inferred from the callback', async () => {
  const pool = new Piscina<Tasks>({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    const seen: number[] = [];
    const n = await pool.run(3, {
      name: 'progressSync', // reportProgress(i) for i = 1..n
      onProgress: (i: number) => seen.push(i),
    });
    assert.equal(n, 3);
    assert.deepEqual(seen, [1, 2, 3]);
    const untyped: unknown[] = [];
    await pool.run(2, {
      name: 'progressSync',
      onProgress: (v) => {
        expectType<Equal<typeof v, unknown>>();
        // @ts-expect-error without an annotation the value is unknown, not any
        v.toFixed();
        untyped.push(v);
      },
    });
    assert.deepEqual(untyped, [1, 2]);
  } finally {
    await pool.destroy();
  }
});

test("piscina's own typings still compile: no type arguments is any, Piscina<In, Out> is the task's type", async () => {
  const loose = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  const typed = new Piscina<{ a: number; b: number }, number>({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    const r = await loose.run({ a: 1, b: 1 });
    expectType<Equal<typeof r, any>>(); // as npm piscina's Piscina<any, any>: code written for it compiles
    const asString: string = await loose.run({ a: 1, b: 1 }, { name: 'default' });
    assert.equal(asString, 2);
    const t = await typed.run({ a: 2, b: 3 });
    expectType<Equal<typeof t, number>>();
    assert.equal(t, 5);
    // @ts-expect-error Piscina<{ a, b }, number>: the task is { a, b }
    void (() => typed.run(5));
    expectType<Equal<TaskArgument<(x: string) => Promise<boolean>>, string>>();
    expectType<Equal<TaskResult<(x: string) => Promise<boolean>>, boolean>>();
    expectType<Equal<TaskResult<{ a: number }>, any>>();
  } finally {
    await loose.destroy();
    await typed.destroy();
  }
});
