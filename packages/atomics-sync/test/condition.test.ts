// Condition: Python's threading.Condition with an exact notify(n) over shared waiter slots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CapacityExceededError,
  Condition,
  Event,
  Lock,
  NotOwnerError,
  RLock,
  revive,
  watchWorker,
} from '../src/index.js';
import { T, Worker, delay, fixture } from './support.js';
import {
  ENTERED,
  WOKEN,
  TRUES,
  MARKER,
  BAD_MARKER,
  NOT_OWNED,
  NOTIFIED,
  STOP,
  BAD_COUNT,
  VALUE,
  DONE,
} from './fixtures/cond-worker.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, pythonRule, stillWaiting } from './timeout-table.js';

const counters = () => new Int32Array(new SharedArrayBuffer(4 * 16));

function start(
  mode: string,
  cond: Condition,
  c: Int32Array,
  extra: Record<string, unknown> = {},
  how: 'from' | 'revive' = 'from',
) {
  const worker = new Worker(fixture('cond-worker'), { workerData: { mode, cond, how, c, ...extra } });
  const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, reply };
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const stop = Date.now() + 20_000;
  while (!(await cond())) {
    if (Date.now() > stop) throw new Error(`never happened: ${what}`);
    await delay(2);
  }
}

/** Reads a counter while holding the condition's lock (waiters bump ENTERED under it, then enqueue). */
async function underLock<T>(cond: Condition, fn: () => T): Promise<T> {
  await cond.acquireAsync(T);
  try {
    return fn();
  } finally {
    cond.release();
  }
}

test('Condition: notify(n) wakes exactly n of 5 waiting workers, oldest first, and the rest stay until notifyAll', {
  timeout: 60_000,
}, async () => {
  const cond = new Condition();
  const c = counters();
  const ws = Array.from({ length: 5 }, (_, i) => start('waiter', cond, c, {}, i % 2 ? 'from' : 'revive'));
  try {
    await until(() => underLock(cond, () => c[ENTERED] === 5), 'five waiters');
    const notifyThenRelease = async (fn: () => number) => {
      await cond.acquireAsync(T);
      Atomics.store(c, MARKER, 0);
      const n = fn();
      await delay(20); // woken waiters must not return while this thread still holds the lock
      Atomics.store(c, MARKER, 1);
      cond.release();
      return n;
    };
    assert.equal(await notifyThenRelease(() => cond.notify(2)), 2);
    await until(() => Atomics.load(c, WOKEN) === 2, 'two woken');
    await delay(100);
    assert.equal(Atomics.load(c, WOKEN), 2, 'notify(2) woke more than 2');
    assert.equal(await notifyThenRelease(() => cond.notify(1)), 1);
    await until(() => Atomics.load(c, WOKEN) === 3, 'three woken');
    assert.equal(await notifyThenRelease(() => cond.notifyAll()), 2);
    const replies = await Promise.all(ws.map((w) => w.reply));
    assert.ok(replies.every((r) => r.result === true));
    // FIFO: the order of return follows the order of arrival for the notify(2) and notify(1) rounds.
    const byEntry = replies.map((r) => r.entry as number);
    assert.deepEqual([...byEntry].sort(), [0, 1, 2, 3, 4]);
    assert.equal(c[BAD_MARKER], 0, 'a woken waiter returned before it held the lock again');
    assert.equal(c[NOT_OWNED], 0);
    assert.deepEqual(await underLock(cond, () => [cond.notify(5), cond.notifyAll()]), [0, 0]);
  } finally {
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
});

test('Condition: notify wakes the longest waiting first, also when a newer waiter reuses an older slot', {
  timeout: 60_000,
}, async () => {
  const cond = new Condition(new Lock());
  const c = counters();
  const ws: ReturnType<typeof start>[] = [];
  const arrive = async () => {
    ws.push(start('waiter', cond, c));
    await until(() => underLock(cond, () => c[ENTERED] === ws.length), `waiter ${ws.length - 1}`);
  };
  const notifyOne = async () => {
    await cond.acquireAsync(T);
    Atomics.store(c, MARKER, 1);
    assert.equal(cond.notify(), 1);
    cond.release();
    const pending = ws.map((w, j) => ({ w, j })).filter(({ j }) => !answered.has(j));
    const first = await Promise.race(pending.map(({ w, j }) => w.reply.then(() => j)));
    answered.add(first);
    return first;
  };
  const answered = new Set<number>();
  try {
    for (let i = 0; i < 3; i++) await arrive(); // waiters 0, 1, 2 in slots 0, 1, 2
    assert.equal(await notifyOne(), 0);
    await arrive(); // waiter 3 takes the freed slot 0, in front of older waiters in the table
    assert.equal(await notifyOne(), 1);
    assert.equal(await notifyOne(), 2);
    assert.equal(await notifyOne(), 3);
  } finally {
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
});

test('Condition: a notify with nobody waiting is not saved for later waiters', { timeout: 30_000 }, async () => {
  const cond = new Condition();
  const c = counters();
  assert.deepEqual(await underLock(cond, () => [cond.notify(3), cond.notify(), cond.notifyAll()]), [0, 0, 0]);
  const w = start('waiter', cond, c, { timeout: 60 }, 'revive');
  try {
    assert.equal((await w.reply).result, false);
  } finally {
    await w.worker.terminate();
  }
  assert.equal(await underLock(cond, () => cond.notifyAll()), 0);
  await cond.acquireAsync(T);
  assert.equal(await cond.waitAsync(20), false);
  assert.equal(cond.lock._isOwned(), true);
  cond.release();
});

test('Condition: a timed-out wait returns false holding the lock, and later notify counts stay exact', {
  timeout: 60_000,
}, async () => {
  const cond = new Condition(new Lock());
  const c = counters();
  const ws = [
    ...Array.from({ length: 3 }, () => start('waiter', cond, c, { timeout: 30 })),
    ...Array.from({ length: 2 }, () => start('waiter', cond, c, {}, 'revive')),
  ];
  try {
    await until(() => underLock(cond, () => c[ENTERED] === 5), 'five waiters');
    await until(() => Atomics.load(c, WOKEN) === 3, 'three timed out');
    assert.equal(c[TRUES], 0);
    await cond.acquireAsync(T);
    Atomics.store(c, MARKER, 1);
    assert.equal(cond.notify(5), 2, 'timed-out waiters were counted');
    cond.release();
    const results = (await Promise.all(ws.map((w) => w.reply))).map((r) => r.result);
    assert.deepEqual(results, [false, false, false, true, true]);
    assert.equal(c[NOT_OWNED], 0);
  } finally {
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
});

test('Condition: hammer of short timed waits against random notifies: every counted wake-up is a true ' +
  'return and vice versa', {
  timeout: 90_000,
}, async () => {
  const cond = new Condition();
  const c = counters();
  const waiters = [1, 2, 3].map((seed) =>
    start('hammer', cond, c, { iterations: 1500, seed }, seed % 2 ? 'from' : 'revive'),
  );
  const notifier = start('notifier', cond, c, { seed: 99 });
  try {
    await Promise.all(waiters.map((w) => w.reply));
    Atomics.store(c, STOP, 1);
    await notifier.reply;
    assert.equal(c[DONE], 3);
    assert.equal(c[BAD_COUNT], 0, 'notify(n) returned more than n');
    assert.equal(c[NOT_OWNED], 0);
    assert.ok(c[TRUES] > 0, 'no wait was ever notified: the test exercised nothing');
    assert.equal(
      c[NOTIFIED],
      c[TRUES],
      `notify counted ${c[NOTIFIED]} wake-ups, waits returned true ${c[TRUES]} times`,
    );
    assert.equal(await underLock(cond, () => cond.notifyAll()), 0, 'a slot was left waiting');
  } finally {
    await Promise.all([...waiters, notifier].map((w) => w.worker.terminate()));
  }
});

test("Condition: waitFor returns the predicate's last value, after notifies or at the timeout", {
  timeout: 30_000,
}, async () => {
  const cond = new Condition();
  const c = counters();
  const w = start('waitfor', cond, c, { timeout: 20_000 });
  try {
    await until(() => underLock(cond, () => c[ENTERED] === 1), 'the waiter');
    for (let i = 1; i <= 3; i++) {
      await underLock(cond, () => {
        Atomics.store(c, VALUE, i);
        cond.notifyAll();
      });
      await delay(5);
    }
    assert.deepEqual(await w.reply, { value: 3, owned: true });
  } finally {
    await w.worker.terminate();
  }
  await cond.acquireAsync(T);
  assert.equal(await cond.waitForAsync(() => 0, 20), 0);
  assert.equal(
    cond.waitFor(() => null, 10),
    null,
  );
  assert.equal(
    cond.waitFor(() => 'ready', 0),
    'ready',
  );
  const later = cond.waitForAsync(() => Atomics.load(c, VALUE) === 7 && 'seven', 10_000);
  await cond.acquireAsync(T); // the waiter released it
  Atomics.store(c, VALUE, 7);
  assert.equal(cond.notify(), 1);
  cond.release(); // the waiter re-acquires it
  assert.equal(await later, 'seven');
  assert.equal(cond.lock._isOwned(), true);
  cond.release();
});

test('Condition: async forms on the main thread; an aborted waitAsync leaves the queue holding the lock; ' +
  'RLock depth survives a wait', {
  timeout: 30_000,
}, async () => {
  const lock = new RLock();
  const cond = new Condition(lock);
  await cond.acquireAsync(T);
  await cond.acquireAsync(T);
  const waiting = cond.waitAsync(10_000);
  assert.equal(lock.locked(), false, 'wait released every level');
  let ticked = false;
  setTimeout(() => {
    ticked = true;
  }, 1);
  await delay(10);
  assert.equal(ticked, true);
  await cond.acquireAsync(T);
  assert.equal(cond.notify(), 1);
  cond.release();
  assert.equal(await waiting, true);
  assert.equal(lock.depth, 2);
  const ac = new AbortController();
  const aborted = cond.waitAsync({ signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  assert.equal(lock.depth, 2, 'held again after the abort');
  assert.equal(cond.notifyAll(), 0, 'the aborted waiter left its slot');
  await assert.rejects(cond.waitAsync({ signal: AbortSignal.abort(new Error('early')) }), /early/);
  assert.equal(lock.depth, 2);
  cond.release();
  cond.release();
  assert.equal(lock.locked(), false);
});

test('Condition: revived in workers with its lock (from and revive); a waiter whose worker died is not ' +
  'counted by notify', {
  timeout: 60_000,
}, async () => {
  const cond = new Condition(new Lock(), { capacity: 8 });
  const c = counters();
  await cond.acquireAsync(T);
  const probes = [start('probe', cond, c, {}, 'from'), start('probe', cond, c, {}, 'revive')];
  try {
    for (const p of probes) assert.deepEqual(await p.reply, { got: false, kind: 'Lock', capacity: 8 });
  } finally {
    cond.release();
    await Promise.all(probes.map((p) => p.worker.terminate()));
  }
  const doomed = start('waiter', cond, c);
  watchWorker(doomed.worker);
  let survivor: ReturnType<typeof start> | undefined;
  try {
    await until(() => underLock(cond, () => c[ENTERED] === 1), 'the doomed waiter');
    await doomed.worker.terminate();
    survivor = start('waiter', cond, c, {}, 'revive');
    await until(() => underLock(cond, () => c[ENTERED] === 2), 'the second waiter');
    await cond.acquireAsync(T);
    Atomics.store(c, MARKER, 1);
    assert.equal(cond.notify(1), 1);
    cond.release();
    assert.equal((await survivor.reply).result, true, 'the notification went to the dead waiter');
    assert.equal(await underLock(cond, () => cond.notifyAll()), 0, 'the dead waiter is still counted');
  } finally {
    await Promise.all([doomed.worker.terminate(), survivor?.worker.terminate()]);
  }
});

test('Condition: capacity is enforced with a named error, the caller keeping the lock', {
  timeout: 30_000,
}, async () => {
  const cond = new Condition(undefined, { capacity: 2 });
  // Each waitAsync releases the lock before its first await, so take it again for the next one.
  await cond.acquireAsync(T);
  const a = cond.waitAsync(T);
  await cond.acquireAsync(T);
  const b = cond.waitAsync(T);
  await cond.acquireAsync(T);
  await assert.rejects(
    cond.waitAsync(T),
    (e: unknown) => e instanceof CapacityExceededError && /capacity/.test((e as Error).message),
  );
  assert.throws(() => cond.wait(), CapacityExceededError);
  assert.equal(cond.lock._isOwned(), true);
  assert.equal(cond.notifyAll(), 2);
  cond.release();
  assert.equal(await a, true);
  assert.equal(cond.lock._isOwned(), true);
  cond.release();
  assert.equal(await b, true);
  cond.release();
  assert.equal(cond.lock.locked(), false);
});

test('Condition: misuse table', { timeout: 10_000 }, async () => {
  const cond = new Condition();
  const sab = new SharedArrayBuffer(Condition.byteLength(4) + 8);
  const clone = structuredClone(cond) as unknown as Record<string, unknown>;
  const cases: [string, () => unknown, string][] = [
    ['wait without the lock', () => cond.wait(1), 'ERR_SABKIT_NOT_OWNER'],
    ['notify without the lock', () => cond.notify(), 'ERR_SABKIT_NOT_OWNER'],
    ['notifyAll without the lock', () => cond.notifyAll(), 'ERR_SABKIT_NOT_OWNER'],
    ['waitFor without the lock', () => cond.waitFor(() => false, 1), 'ERR_SABKIT_NOT_OWNER'],
    ['notify(-1)', () => cond.notify(-1), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['notify(1.5)', () => cond.notify(1.5), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['notify(NaN)', () => cond.notify(NaN), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['notify("2")', () => cond.notify('2' as unknown as number), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['wait("5")', () => cond.wait('5' as unknown as number), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['wait(NaN)', () => cond.wait(NaN), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['waitFor(not a function)', () => cond.waitFor(42 as unknown as () => boolean), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['waitFor(NaN)', () => cond.waitFor(() => true, NaN), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['lock is a plain object', () => new Condition({} as Lock), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['lock is an Event', () => new Condition(new Event() as unknown as Lock), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['capacity 0', () => new Condition(null, { capacity: 0 }), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['capacity 1.5', () => new Condition(null, { capacity: 1.5 }), 'ERR_SABKIT_INVALID_ARGUMENT'],
    [
      'capacity too large',
      () => new Condition(null, { capacity: Condition.MAX_CAPACITY + 1 }),
      'ERR_SABKIT_INVALID_ARGUMENT',
    ],
    ['options not an object', () => new Condition(null, 'x' as unknown as object), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['region too small', () => new Condition(null, { capacity: 5, buffer: sab }), 'ERR_SABKIT_INVALID_REGION'],
    [
      'misaligned region',
      () => new Condition(null, { capacity: 4, buffer: sab, byteOffset: 2 }),
      'ERR_SABKIT_INVALID_REGION',
    ],
    ['from(an Event)', () => Condition.from(new Event()), 'ERR_SABKIT_REVIVE'],
    ['from(a Lock)', () => Condition.from(new Lock()), 'ERR_SABKIT_REVIVE'],
    ['from with capacity 0', () => Condition.from({ ...clone, capacity: 0 }), 'ERR_SABKIT_REVIVE'],
    ['from with a missing lock', () => Condition.from({ ...clone, lock: undefined }), 'ERR_SABKIT_REVIVE'],
    [
      'from with an Event as lock',
      () => Condition.from({ ...clone, lock: structuredClone(new Event()) }),
      'ERR_SABKIT_REVIVE',
    ],
    [
      'from with capacity past the buffer',
      () => Condition.from({ ...clone, capacity: 65 }),
      'ERR_SABKIT_INVALID_REGION',
    ],
  ];
  for (const [name, fn, code] of cases) assert.throws(fn, { code }, name);
  await assert.rejects(cond.waitAsync(1), NotOwnerError);
  await assert.rejects(
    cond.waitForAsync(() => false, 1),
    NotOwnerError,
  );
  // None of that left a waiter behind or the lock held.
  assert.equal(cond.lock.locked(), false);
  assert.equal(await underLock(cond, () => cond.notifyAll()), 0);

  // A caller region: all-zero memory is a Condition with no waiters; the clone carries lock and capacity.
  const placed = new Condition(new Lock(), { capacity: 4, buffer: sab, byteOffset: 8 });
  const d = structuredClone(placed) as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(d).sort(), ['__sabkit', 'buffer', 'byteOffset', 'capacity', 'lock']);
  assert.equal((d.lock as Record<string, unknown>).__sabkit, 'Lock');
  const back = revive(d) as unknown as Condition;
  assert.ok(back instanceof Condition && back.lock instanceof Lock);
  assert.equal(back.capacity, 4);
  assert.equal(Condition.BYTE_LENGTH, Condition.byteLength(Condition.DEFAULT_CAPACITY));
  await back.acquireAsync();
  assert.equal(placed.lock.locked(), true, 'the revived lock is the same memory');
  assert.equal(back.notifyAll(), 0);
  back.release();
});

test('timeout table: Condition.wait / waitFor and their async forms (Python: negative does not wait, the ' +
  'lock is re-acquired)', {
  timeout: 20_000,
}, async () => {
  const cond = new Condition();
  const wake =
    (also = () => {}) =>
    () => {
      cond.acquire();
      also();
      cond.notify();
      cond.release();
    };
  for (const t of TIMEOUT_CASES) {
    const timeout = asTimeout(t);
    const name = `Condition.wait(${label(t)})`;
    cond.acquire();
    switch (pythonRule(t)) {
      case 'now':
        assert.equal(cond.wait(timeout), false, name);
        assert.equal(
          cond.waitFor(() => 0, timeout),
          0,
          name,
        );
        assert.equal(await cond.waitAsync(timeout), false, name);
        assert.equal(await cond.waitForAsync(() => 0, { timeout }), 0, name);
        break;
      case 'invalid':
        assert.throws(() => cond.wait(timeout), S.InvalidArgumentError, name);
        assert.throws(() => cond.waitFor(() => 0, timeout), S.InvalidArgumentError, name);
        await assert.rejects(cond.waitAsync(timeout), S.InvalidArgumentError, name);
        await assert.rejects(
          cond.waitForAsync(() => 0, { timeout }),
          S.InvalidArgumentError,
          name,
        );
        break;
      case 'forever': {
        assert.equal(await stillWaiting(cond.waitAsync(timeout), wake(), name), true, name);
        let ready = false;
        assert.equal(
          await stillWaiting(
            cond.waitForAsync(() => ready, timeout),
            wake(() => {
              ready = true;
            }),
            name,
          ),
          true,
          name,
        );
        break;
      }
    }
    assert.equal(cond.lock._isOwned(), true, `${name}: the lock is held again`);
    cond.release();
    assert.equal(cond.lock.locked(), false, `${name}: at its old depth`);
  }
  // Condition.acquire is its lock's: the lock rule.
  assert.throws(() => cond.acquire(-5), S.InvalidArgumentError);
  assert.equal(cond.acquire(-1), true);
  cond.release();
});
