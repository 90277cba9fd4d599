// Barrier: Python's threading.Barrier (CPython's filling/draining/resetting/broken state machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Barrier, BrokenBarrierError, Event, revive } from '../src/index.js';
import { T, Worker, delay, fixture } from './support.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, pythonRule, stillWaiting } from './timeout-table.js';

const i32 = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));

interface Reply {
  index?: number;
  error?: string;
  code?: string;
  message?: string;
}

/** Starts a worker that waits once on `barrier`; `reply` resolves with its index or its error. */
function waiter(
  barrier: Barrier,
  how: 'from' | 'revive' | 'from-action',
  extra: { timeout?: number; ran?: Int32Array } = {},
) {
  const worker = new Worker(fixture('barrier-worker'), { workerData: { mode: 'once', barrier, how, ...extra } });
  const reply = once(worker, 'message').then(([m]) => m as Reply);
  return { worker, reply };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const stop = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > stop) throw new Error(`never happened: ${what}`);
    await delay(2);
  }
}

test('Barrier: 5 workers, 1,000 generations: strict ordering, arrival indices a permutation, the action ' +
  'once per generation before the release', {
  timeout: 120_000,
}, async () => {
  const parties = 5;
  const generations = 1000;
  const arrived = i32(parties),
    passed = i32(parties),
    masks = i32(generations),
    actions = i32(generations),
    violations = i32(2);
  const barrier = new Barrier(parties, () => {
    throw new Error('the main thread never waits here');
  });
  const workers = Array.from(
    { length: parties },
    (_, id) =>
      new Worker(fixture('barrier-worker'), {
        workerData: { mode: 'order', barrier, id, generations, arrived, passed, masks, actions, violations },
      }),
  );
  try {
    const errors = workers.map((w) =>
      once(w, 'error').then(([e]) => {
        throw e;
      }),
    );
    await Promise.race([Promise.all(workers.map((w) => once(w, 'message'))), ...errors]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  assert.equal(violations[0], 0, 'a thread passed generation g+1 before all passed g');
  assert.equal(violations[1], 0, 'a waiter was released before the action ran');
  for (let g = 0; g < generations; g++) {
    assert.equal(masks[g], (1 << parties) - 1, `generation ${g}: indices were not a permutation of 0..${parties - 1}`);
    assert.equal(actions[g], 1, `generation ${g}: the action ran ${actions[g]} times`);
  }
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test('Barrier: abort breaks it for every waiter; reset makes it usable again', { timeout: 30_000 }, async () => {
  const barrier = new Barrier(3);
  const a = waiter(barrier, 'from'),
    b = waiter(barrier, 'revive');
  try {
    await until(() => barrier.nWaiting === 2, 'two waiters');
    barrier.abort();
    for (const r of [await a.reply, await b.reply]) assert.equal(r.code, 'ERR_SABKIT_BROKEN_BARRIER');
    assert.equal(barrier.broken, true);
    assert.equal(barrier.nWaiting, 0);
    assert.throws(() => barrier.wait(), BrokenBarrierError);
    await assert.rejects(barrier.waitAsync(T), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.broken, false);
    const c = waiter(barrier, 'from'),
      d = waiter(barrier, 'revive');
    const mine = barrier.waitAsync(10_000);
    const indices = [await mine, (await c.reply).index, (await d.reply).index];
    assert.deepEqual([...indices].sort(), [0, 1, 2]);
    await Promise.all([c.worker.terminate(), d.worker.terminate()]);
  } finally {
    await Promise.all([a.worker.terminate(), b.worker.terminate()]);
  }
});

test('Barrier: reset while parties wait gives them BrokenBarrierError; the barrier refills once they have left', {
  timeout: 30_000,
}, async () => {
  const barrier = new Barrier(3);
  const a = waiter(barrier, 'from'),
    b = waiter(barrier, 'from');
  try {
    await until(() => barrier.nWaiting === 2, 'two waiters');
    barrier.reset();
    for (const r of [await a.reply, await b.reply]) assert.equal(r.code, 'ERR_SABKIT_BROKEN_BARRIER');
    await until(() => !barrier.toString().includes('resetting'), 'the last waiter leaves');
    assert.equal(barrier.broken, false);
    const mine = [barrier.waitAsync(T), barrier.waitAsync(T), barrier.waitAsync(T)];
    assert.deepEqual(await Promise.all(mine), [0, 1, 2]);
  } finally {
    await Promise.all([a.worker.terminate(), b.worker.terminate()]);
  }
});

test('Barrier: a timeout breaks it for everyone, also through the default timeout', { timeout: 30_000 }, async () => {
  const barrier = new Barrier(3);
  const patient = waiter(barrier, 'from');
  try {
    await until(() => barrier.nWaiting === 1, 'one waiter');
    const hasty = waiter(barrier, 'revive', { timeout: 50 });
    const r = await hasty.reply;
    assert.equal(r.error, 'BrokenBarrierError');
    assert.match(r.message!, /timed out after 50 ms/);
    assert.equal((await patient.reply).code, 'ERR_SABKIT_BROKEN_BARRIER');
    assert.equal(barrier.broken, true);
    await hasty.worker.terminate();
  } finally {
    await patient.worker.terminate();
  }
  const withDefault = new Barrier(2, null, 20);
  assert.throws(() => withDefault.wait(), /timed out after 20 ms/);
  assert.equal(withDefault.broken, true);
  withDefault.reset();
  await assert.rejects(withDefault.waitAsync(), /timed out after 20 ms/);
  withDefault.reset();
  // An explicit timeout overrides the default: the partner arrives after the default has passed.
  const late = new Barrier(2, null, 1);
  const p = late.waitAsync(10_000);
  await delay(30);
  assert.deepEqual([await late.waitAsync(), await p], [1, 0]);
});

test('Barrier: the action runs once per generation in the last arriving thread; if it throws, that thread ' +
  'gets its error and the rest BrokenBarrierError', {
  timeout: 30_000,
}, async () => {
  const ran = i32(1);
  const barrier = new Barrier(3, () => void Atomics.add(ran, 0, 1));
  for (let gen = 1; gen <= 3; gen++) {
    const a = waiter(barrier, 'from-action', { ran }),
      b = waiter(barrier, 'from-action', { ran });
    try {
      const mine = barrier.waitAsync(T);
      const indices = [await mine, (await a.reply).index, (await b.reply).index];
      assert.deepEqual([...indices].sort(), [0, 1, 2]);
      assert.equal(ran[0], gen);
    } finally {
      await Promise.all([a.worker.terminate(), b.worker.terminate()]);
    }
  }
  const boom = new Barrier(3, () => {
    throw new RangeError('boom');
  });
  const first = boom.waitAsync(T),
    second = boom.waitAsync(T);
  await assert.rejects(boom.waitAsync(T), /boom/);
  await assert.rejects(first, BrokenBarrierError);
  await assert.rejects(second, BrokenBarrierError);
  assert.equal(boom.broken, true);
  boom.reset();
  assert.equal(boom.broken, false);
  assert.equal(boom.nWaiting, 0);
});

test('Barrier: async forms on the main thread keep the event loop running; an aborted waitAsync breaks the barrier', {
  timeout: 30_000,
}, async () => {
  const barrier = new Barrier(3);
  const waits = [barrier.waitAsync(T), barrier.waitAsync(T)];
  let ticked = false;
  setTimeout(() => {
    ticked = true;
  }, 5);
  await delay(20);
  assert.equal(ticked, true);
  assert.equal(barrier.nWaiting, 2);
  assert.equal(await barrier.waitAsync(T), 2);
  assert.deepEqual(await Promise.all(waits), [0, 1]);

  const ac = new AbortController();
  const aborted = barrier.waitAsync({ signal: ac.signal });
  const other = barrier.waitAsync(T);
  ac.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  await assert.rejects(other, BrokenBarrierError);
  assert.equal(barrier.broken, true);
  barrier.reset();
  await assert.rejects(barrier.waitAsync({ signal: AbortSignal.abort(new Error('early')) }), /early/);
  assert.equal(barrier.broken, false, 'an abort before arriving breaks nothing');
  assert.equal(barrier.nWaiting, 0);
});

test('Barrier: revived copies need their own action to wait; one party works without any', {
  timeout: 30_000,
}, async () => {
  const ran = i32(1);
  const barrier = new Barrier(2, () => void Atomics.add(ran, 0, 1));
  const bare = waiter(barrier, 'revive');
  try {
    const r = await bare.reply;
    assert.equal(r.code, 'ERR_SABKIT_REVIVE');
    assert.match(r.message!, /Barrier\.from\(value, \{ action \}\)/);
    assert.equal(barrier.nWaiting, 0, 'the refused wait did not arrive');
  } finally {
    await bare.worker.terminate();
  }
  const copy = revive(structuredClone({ barrier })).barrier;
  assert.ok(copy instanceof Barrier);
  assert.equal(copy.parties, 2);
  assert.throws(() => copy.wait(0), { code: 'ERR_SABKIT_REVIVE' });
  copy.abort();
  assert.equal(barrier.broken, true);
  copy.reset();
  // From a live barrier without options the copy keeps the action.
  const same = Barrier.from(barrier);
  const p = same.waitAsync(T);
  assert.equal(await barrier.waitAsync(T), 1);
  assert.equal(await p, 0);
  assert.equal(ran[0], 1);
  const solo = new Barrier(1);
  assert.equal(solo.wait(), 0);
  assert.equal(solo.wait(), 0);
  assert.equal(await solo.waitAsync(), 0);
});

test('Barrier: misuse table', { timeout: 10_000 }, () => {
  const barrier = new Barrier(2);
  const sab = new SharedArrayBuffer(Barrier.BYTE_LENGTH + 32);
  const cases: [string, () => unknown, string][] = [
    ['parties 0', () => new Barrier(0), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['parties -1', () => new Barrier(-1), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['parties 1.5', () => new Barrier(1.5), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['parties "3"', () => new Barrier('3' as unknown as number), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['parties too many', () => new Barrier(Barrier.MAX_PARTIES + 1), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['action not a function', () => new Barrier(2, 42 as unknown as () => void), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['default timeout NaN', () => new Barrier(2, null, NaN), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['wait timeout NaN', () => barrier.wait(NaN), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['wait timeout not a number', () => barrier.wait('2' as unknown as number), 'ERR_SABKIT_INVALID_ARGUMENT'],
    [
      'misaligned region',
      () => new Barrier(2, null, null, { buffer: sab, byteOffset: 4 }),
      'ERR_SABKIT_INVALID_REGION',
    ],
    ['from(an Event)', () => Barrier.from(new Event()), 'ERR_SABKIT_REVIVE'],
    ['from(null)', () => Barrier.from(null), 'ERR_SABKIT_REVIVE'],
    ['from(zero memory)', () => Barrier.from({ __sabkit: 'Barrier', buffer: sab, byteOffset: 0 }), 'ERR_SABKIT_REVIVE'],
    [
      'from with an action, barrier has none',
      () => Barrier.from(barrier, { action: () => {} }),
      'ERR_SABKIT_INVALID_ARGUMENT',
    ],
    [
      'from with a non-function action',
      () => Barrier.from(barrier, { action: 1 as unknown as () => void }),
      'ERR_SABKIT_INVALID_ARGUMENT',
    ],
  ];
  for (const [name, fn, code] of cases) assert.throws(fn, { code }, name);
  assert.equal(barrier.nWaiting, 0, 'bad calls did not arrive');
  assert.equal(barrier.broken, false);
  const placed = new Barrier(4, null, 10, { buffer: sab, byteOffset: 32 });
  const back = Barrier.from(structuredClone(placed));
  assert.equal(back.parties, 4);
  assert.equal(back.byteOffset, 32);
  assert.deepEqual(Object.keys(structuredClone(placed)).sort(), ['__sabkit', 'buffer', 'byteOffset']);
});

test('timeout table: Barrier.wait / waitAsync (Python: a negative timeout breaks the barrier unless this ' +
  'party is last)', {
  timeout: 20_000,
}, async () => {
  for (const t of TIMEOUT_CASES) {
    const b = new Barrier(2);
    const timeout = asTimeout(t);
    const name = `Barrier.wait(${label(t)})`;
    switch (pythonRule(t)) {
      case 'now': {
        assert.throws(() => b.wait(timeout), S.BrokenBarrierError, name);
        assert.equal(b.broken, true, name);
        b.reset();
        await assert.rejects(b.waitAsync({ timeout }), S.BrokenBarrierError, name);
        assert.equal(b.broken, true, name);
        b.reset();
        const first = b.waitAsync();
        assert.equal(b.wait(timeout), 1, `${name} by the last party: it does not wait, so it passes`);
        assert.equal(await first, 0);
        break;
      }
      case 'invalid':
        assert.throws(() => b.wait(timeout), S.InvalidArgumentError, name);
        await assert.rejects(b.waitAsync(timeout), S.InvalidArgumentError, name);
        assert.equal(b.broken, false, `${name}: a refused call does not arrive`);
        assert.equal(b.nWaiting, 0, name);
        break;
      case 'forever': {
        let second: Promise<number> | undefined;
        assert.equal(
          await stillWaiting(
            b.waitAsync(timeout),
            () => {
              second = b.waitAsync();
            },
            name,
          ),
          0,
          name,
        );
        assert.equal(await second, 1);
        break;
      }
    }
  }
  // The barrier's own default follows the same rule.
  assert.throws(() => new Barrier(2, null, -1).wait(), S.BrokenBarrierError);
});
