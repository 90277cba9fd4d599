// The public types default to `unknown`, never `any`: a result the types cannot know (a module
// task's) must be narrowed before use, and a typed function's types flow through. Each
// `@ts-expect-error` is a program that must NOT compile; if the types loosened (a result back to
// `any`), the directive would be unused and this package's test, which compiles first, fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, type AsyncResult } from '../src/index.js';

const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url);

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<_T extends true>(): void {}

test('a module task gives unknown; an inline function gives its own types', { timeout: 60_000 }, async () => {
  await using pool = new Pool(1);
  const fromModule = await pool.apply({ filename: tasks, name: 'square' }, [7]);
  expectType<Equal<typeof fromModule, unknown>>();
  // @ts-expect-error unknown is not a number: the caller must say what the module returns
  const n: number = fromModule;
  assert.equal(n, 49);
  const mapped = await pool.map({ filename: tasks, name: 'square' }, [1, 2]);
  expectType<Equal<typeof mapped, unknown[]>>();
  assert.deepEqual(mapped, [1, 4]);

  const inline = await pool.map((x: number) => x * x, [1, 2, 3]);
  expectType<Equal<typeof inline, number[]>>();
  assert.deepEqual(inline, [1, 4, 9]);
  const r = pool.applyAsync((a: number, b: number) => `${a + b}`, [1, 2]);
  expectType<Equal<typeof r, AsyncResult<string>>>();
  assert.equal(await r.get(30_000), '3');
  // @ts-expect-error the function takes numbers
  void (() => pool.apply((a: number, b: number) => a + b, ['1', 2]));
});
