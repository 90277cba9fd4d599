// docs/conventions.md on the multiprocessing API: every wait takes a timeout in ms or
// { timeout, signal }, a negative timeout does not wait (CPython: AsyncResult.get(-1) raises
// TimeoutError at once, Process.join(-1) returns at once), and optional parameters after the
// required ones come as one options object, a number standing for Python's positional chunksize.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, Process, TimeoutError } from '../src/index.js';

const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url);
const sleepMs = { filename: tasks, name: 'sleepMs' };

test('AsyncResult.get/wait: negative timeouts do not wait; a signal cancels the wait, not the task', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(1);
  const slow = pool.applyAsync(sleepMs, [300]);
  for (const t of [-1, -1000, 0]) {
    await assert.rejects(
      slow.get(t),
      (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_SABKIT_TIMEOUT',
      `get(${t})`,
    );
    assert.equal(await slow.wait(t), false, `wait(${t})`);
    await assert.rejects(slow.get({ timeout: t }), TimeoutError, `get({ timeout: ${t} })`);
  }
  const ac = new AbortController();
  const pending = slow.get({ signal: ac.signal });
  ac.abort(new Error('stop waiting'));
  await assert.rejects(pending, { message: 'stop waiting' });
  const aborted = AbortSignal.abort();
  await assert.rejects(slow.wait({ signal: aborted }), { name: 'AbortError' });
  assert.equal(await slow.get({ timeout: 20_000 }), 300, 'the task itself ran on');
  assert.equal(await slow.get(-1), 300, 'a ready result is returned whatever the timeout');
});

test('AsyncResult.get/wait and Process.join: misuse names the call, the parameter and the value', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(1);
  const r = pool.applyAsync(sleepMs, [1]);
  const bad: [unknown, RegExp][] = [
    [Number.NaN, /AsyncResult\.get: timeout must be a number of milliseconds.*got NaN/],
    ['10', /AsyncResult\.get: the last argument must be a timeout in ms.*got "10"/],
    [{ timeout: 'x' }, /AsyncResult\.get: options\.timeout must be a number.*got "x"/],
    [{ signal: 'no' }, /AsyncResult\.get: options\.signal must be an AbortSignal/],
  ];
  for (const [arg, message] of bad) {
    await assert.rejects(r.get(arg as never), { code: 'ERR_SABKIT_INVALID_ARGUMENT', message }, String(arg));
  }
  await assert.rejects(r.wait(Number.NaN), { code: 'ERR_SABKIT_INVALID_ARGUMENT', message: /AsyncResult\.wait/ });
  assert.equal(await r.get(20_000), 1, 'bad calls left the result as it was');
});

test('Process.join: -1 and 0 return at once, a timeout returns with the child alive, a signal rejects', {
  timeout: 30_000,
}, async () => {
  const p = new Process({ target: sleepMs, args: [400] });
  p.start();
  for (const t of [-1, 0, { timeout: -5 }]) {
    await p.join(t);
    assert.equal(p.isAlive(), true, `join(${JSON.stringify(t)}) returned with the child running`);
  }
  await p.join(10);
  assert.equal(p.exitCode, null);
  await assert.rejects(p.join({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  await assert.rejects(p.join(Number.NaN), { code: 'ERR_SABKIT_INVALID_ARGUMENT', message: /Process\.join: timeout/ });
  await p.join({ timeout: 20_000 });
  assert.equal(p.exitCode, 0);
});

test('map/starmap/mapAsync/starmapAsync take a chunksize or one options object', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const sq = (x: number) => x * x;
  const items = Array.from({ length: 40 }, (_, i) => i);
  const expected = items.map(sq);
  assert.deepEqual(await pool.map(sq, items, 3), expected);
  assert.deepEqual(await pool.map(sq, items, { chunksize: 3 }), expected);
  assert.deepEqual(await pool.map(sq, items, {}), expected);
  const pairs = items.map((x) => [x, 1] as [number, number]);
  assert.deepEqual(
    await pool.starmap((a: number, b: number) => a + b, pairs, { chunksize: 7 }),
    items.map((x) => x + 1),
  );
  const seen: unknown[] = [];
  const r = pool.mapAsync(sq, items, { chunksize: 5, callback: (v) => seen.push(v) });
  assert.deepEqual(await r.get(20_000), expected);
  assert.deepEqual(seen, [expected]);
  const errors: unknown[] = [];
  const failing = pool.starmapAsync(
    (a: number, _b: number) => {
      if (a === 3) throw new RangeError('three');
      return a;
    },
    pairs,
    { errorCallback: (e) => errors.push(e) },
  );
  assert.equal(await failing.wait(20_000), true);
  assert.equal(failing.successful(), false);
  assert.ok(errors[0] instanceof RangeError);
  for (const [arg, message] of [
    [0, /Pool\.map\(\): chunksize must be a positive integer/],
    [{ chunksize: 1.5 }, /Pool\.map\(\): chunksize must be a positive integer/],
    ['4', /Pool\.map\(\): the third argument must be a chunksize or \{ chunksize, callback, errorCallback \}, got "4"/],
  ] as const) {
    await assert.rejects(pool.map(sq, items, arg as never), { code: 'ERR_SABKIT_INVALID_ARGUMENT', message });
  }
  assert.throws(() => pool.mapAsync(sq, items, { callback: 1 as never }), {
    message: /Pool\.mapAsync\(\): callback must be a function/,
  });
});
