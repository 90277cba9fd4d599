// Behaviours pinned by CPython's own tests (Lib/test/_test_multiprocessing.py), with CPython's
// expected values as the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../src/index.js';

class SayWhenError extends RangeError {}

/** CPython's exception_throwing_generator(total, when): yields 0, 1, ... and raises at `when`. */
function* exceptionThrowingGenerator(total: number, when: number): Generator<number> {
  for (let i = 0; i < total; i++) {
    if (i === when) throw new SayWhenError('Somebody said when');
    yield i;
  }
}

const sqr = (x: number) => x * x;

test('test_imap_handle_iterable_exception: only complete chunks run before the input raises', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(2);
  // [total, when, chunksize, results CPython yields before the error]
  for (const [total, when, chunksize, yielded] of [
    [10, 3, 1, 3],
    [20, 7, 2, 6],
    [20, 7, 4, 4],
  ]) {
    const it = pool.imap(sqr, exceptionThrowingGenerator(total, when), chunksize);
    for (let i = 0; i < yielded; i++) assert.deepEqual(await it.next(), { done: false, value: i * i });
    await assert.rejects(it.next(), SayWhenError, `gen(${total}, ${when}), chunksize ${chunksize}`);
  }
});

test('test_imap_unordered_handle_iterable_exception: the same chunks, in any order', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(2);
  for (const [total, when, chunksize, yielded] of [
    [10, 3, 1, 3],
    [20, 7, 2, 6],
    [20, 7, 4, 4],
  ]) {
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const v of pool.imapUnordered(sqr, exceptionThrowingGenerator(total, when), chunksize)) {
        got.push(v as number);
      }
    }, SayWhenError);
    assert.deepEqual(
      got.sort((a, b) => a - b),
      Array.from({ length: yielded }, (_, i) => i * i),
      `gen(${total}, ${when}), chunksize ${chunksize}`,
    );
  }
});

test("a task's exception keeps its class name, as Python re-raises the task's own class", {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(1);
  await assert.rejects(
    pool.apply(() => {
      class ParseFailure extends SyntaxError {}
      throw new ParseFailure('bad input');
    }),
    (e: Error) => e instanceof SyntaxError && e.name === 'ParseFailure' && e.message === 'bad input',
  );
});
