// Lock: semantics, misuse, timeouts (sync in a worker, async on main), abort, sharing, regions,
// a 10^6-operation hammer with a mutual-exclusion invariant, and barging bounded by hand-over.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Lock,
  RLock,
  Semaphore,
  revive,
  InvalidArgumentError,
  InvalidRegionError,
  NotLockedError,
  ReviveError,
  TimeoutError,
  deserializeError,
  KIND_PROPERTY,
  currentThreadId,
} from '../src/index.js';
import { OWNER_MASK, PARKED, STARVING } from '../src/sync/lock-core.js';
import { Workers, lockWorker, nextMessage, exited, sleep, until } from './fixtures/lock-harness.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, lockRule, stillWaiting } from './timeout-table.js';

const workers = new Workers();
after(() => workers.stopAll());

const word = (l: { buffer: SharedArrayBuffer; byteOffset: number }) => new Int32Array(l.buffer, l.byteOffset, 1);

test('acquire, tryAcquire, release, locked; the word records the owner thread', () => {
  const lock = new Lock();
  assert.equal(lock.locked(), false);
  assert.equal(lock.acquire(), true);
  assert.equal(lock.locked(), true);
  assert.equal(word(lock)[0], currentThreadId + 1);
  assert.equal(lock._isOwned(), true);
  assert.equal(lock.tryAcquire(), false);
  assert.equal(lock.acquire(0), false);
  lock.release();
  assert.equal(lock.locked(), false);
  assert.equal(word(lock)[0], 0);
  assert.equal(lock.tryAcquire(), true);
  lock.release();
  assert.equal(String(lock), 'Lock(unlocked)');
});

test('misuse table: each bad call throws its named error and leaves the lock as it was', () => {
  const lock = new Lock();
  const sab = new SharedArrayBuffer(16);
  const cases: [string, () => unknown, new (...a: any[]) => Error, RegExp][] = [
    ['release unlocked', () => lock.release(), NotLockedError, /not locked/],
    ['timeout -2', () => lock.acquire(-2), InvalidArgumentError, /timeout must be/],
    ['timeout NaN', () => lock.acquire(NaN), InvalidArgumentError, /NaN/],
    ['timeout string', () => lock.acquire('10' as unknown as number), InvalidArgumentError, /"10"/],
    ['timeout -Infinity', () => lock.acquire(-Infinity), InvalidArgumentError, /-Infinity/],
    ['withLock timeout', () => lock.withLock(() => 1, -5), InvalidArgumentError, /-5/],
    ['misaligned region', () => new Lock({ buffer: sab, byteOffset: 2 }), InvalidRegionError, /multiple of 4/],
    ['region too small', () => new Lock({ buffer: sab, byteOffset: 16 }), InvalidRegionError, /only 16 bytes/],
    [
      'not shared',
      () => new Lock({ buffer: new ArrayBuffer(8) as unknown as SharedArrayBuffer }),
      InvalidRegionError,
      /SharedArrayBuffer/,
    ],
    ['offset without buffer', () => new Lock({ byteOffset: 4 }), InvalidRegionError, /without a buffer/],
    ['from a number', () => Lock.from(42), ReviveError, /Lock\.from/],
    ['from an RLock', () => Lock.from(structuredClone(new RLock())), ReviveError, /serialised RLock/],
    ['from a Semaphore', () => Lock.from(new Semaphore()), ReviveError, /serialised Semaphore/],
    [
      'from a bad offset',
      () => Lock.from({ [KIND_PROPERTY]: 'Lock', buffer: sab, byteOffset: 3 }),
      InvalidRegionError,
      /multiple of 4/,
    ],
    [
      'from past the end',
      () => Lock.from({ [KIND_PROPERTY]: 'Lock', buffer: sab, byteOffset: 16 }),
      InvalidRegionError,
      /only 16/,
    ],
  ];
  for (const [name, fn, cls, re] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message), name);
    assert.equal(word(lock)[0], 0, `${name} changed the lock`);
  }
  lock.acquire();
  assert.throws(() => lock.acquire(-3), InvalidArgumentError);
  assert.equal(word(lock)[0], currentThreadId + 1, 'a bad timeout on a held lock changed it');
  lock.release();
});

test('misuse table, async forms: rejections, nothing taken', { timeout: 10_000 }, async () => {
  const lock = new Lock();
  await assert.rejects(lock.acquireAsync(-7), InvalidArgumentError);
  await assert.rejects(lock.acquireAsync({ signal: {} as AbortSignal }), InvalidArgumentError);
  await assert.rejects(
    lock.withLockAsync(() => 1, { timeout: NaN }),
    InvalidArgumentError,
  );
  const aborted = AbortSignal.abort(new Error('already'));
  await assert.rejects(lock.acquireAsync({ signal: aborted }), /already/);
  assert.equal(word(lock)[0], 0);
});

test("any thread may release a Lock (Python semantics); a worker releases the main thread's", {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  lock.acquire();
  const w = workers.start(lockWorker, { mode: 'release', kind: 'Lock', lock });
  assert.deepEqual(await nextMessage(w), { ok: true });
  assert.equal(lock.locked(), false);
  const w2 = workers.start(lockWorker, { mode: 'release', kind: 'Lock', lock });
  const m = await nextMessage(w2);
  const err = deserializeError(m.error);
  assert.ok(err instanceof NotLockedError);
  assert.equal((err as NotLockedError).code, 'ERR_SABKIT_NOT_LOCKED');
});

test('a timed-out sync acquire in a worker returns false and leaves the lock consistent', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  lock.acquire();
  const w = workers.start(lockWorker, { mode: 'acquire-report', kind: 'Lock', lock, timeout: 30 });
  const m = await nextMessage(w);
  assert.equal(m.ok, false);
  assert.ok(m.elapsed >= 25, `returned after ${m.elapsed} ms`);
  // The waiter marked the word PARKED; it must not have left STARVING (a reservation) behind.
  assert.equal(word(lock)[0] & STARVING, 0);
  assert.equal(word(lock)[0] & ~PARKED, currentThreadId + 1);
  lock.release();
  assert.equal(word(lock)[0], 0);
  assert.equal(lock.tryAcquire(), true);
  lock.release();
});

test('a timed-out waiter that starved leaves no reservation: the lock is free for anyone after', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  lock.acquire();
  // 60 ms > STARVATION_MS: the waiter sets STARVING while parked and must withdraw it when it gives up.
  const w = workers.start(lockWorker, { mode: 'acquire-report', kind: 'Lock', lock, timeout: 60 });
  const m = await nextMessage(w);
  assert.equal(m.ok, false);
  assert.equal(word(lock)[0] & STARVING, 0);
  lock.release();
  assert.equal(word(lock)[0], 0);
  assert.equal(lock.acquire(0), true);
  lock.release();
});

test('async on main: acquireAsync times out, then waits without blocking the loop, then gets it', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  const w = workers.start(lockWorker, { mode: 'revive', box: { lock, list: [new RLock()] } });
  const m = await nextMessage(w);
  assert.equal(m.ok, true);
  assert.equal(lock.locked(), true);
  const t0 = performance.now();
  assert.equal(await lock.acquireAsync(20), false);
  assert.ok(performance.now() - t0 >= 15);
  assert.equal(word(lock)[0] & STARVING, 0);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const p = lock.acquireAsync();
  await sleep(30);
  const ticksWhileWaiting = ticks;
  w.postMessage('release');
  assert.equal(await p, true);
  clearInterval(timer);
  // The 1 ms interval expires before the 30 ms sleep, so it has run unless the loop was blocked.
  assert.ok(ticksWhileWaiting >= 1, `event loop ran ${ticksWhileWaiting} timer ticks while waiting`);
  assert.equal(lock._isOwned(), true);
  lock.release();
  assert.deepEqual(await nextMessage(w), { released: true });
});

test('aborting acquireAsync rejects with the reason, takes nothing, and leaves the lock usable', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  const w = workers.start(lockWorker, { mode: 'revive', box: { lock, list: [new RLock()] } });
  await nextMessage(w);
  const ac = new AbortController();
  const p = lock.acquireAsync({ signal: ac.signal });
  const other = lock.acquireAsync(5_000); // a second waiter on the same word sees the abort's wake-up
  await sleep(10);
  ac.abort(new Error('stop waiting'));
  await assert.rejects(p, /stop waiting/);
  assert.equal(word(lock)[0] & ~PARKED & ~STARVING, w.threadId + 1, 'still held by the worker');
  w.postMessage('release');
  assert.equal(await other, true);
  lock.release();
  assert.equal(word(lock)[0], 0);
});

test('sharing: workerData + revive() in the worker, postMessage back + Lock.from on main, same memory', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  const rlock = new RLock();
  const w = workers.start(lockWorker, { mode: 'revive', box: { lock, list: [rlock] } });
  const m = await nextMessage(w);
  assert.equal(m.ok, true);
  assert.equal(Object.getPrototypeOf(m.lock), Object.prototype, 'arrives as a plain clone');
  const back = Lock.from(m.lock);
  assert.ok(back instanceof Lock);
  assert.equal(back.locked(), true);
  const again = revive({ nested: [m.rlock] });
  assert.ok(again.nested[0] instanceof RLock);
  assert.equal(back.tryAcquire(), false);
  w.postMessage('release');
  await nextMessage(w);
  assert.equal(back.locked(), false);
  assert.equal(lock.locked(), false);
});

test("regions: a Lock at an offset in a caller's buffer touches only its own 4 bytes", () => {
  const sab = new SharedArrayBuffer(32);
  const bytes = new Uint8Array(sab);
  bytes.fill(0xab);
  const lock = new Lock({ buffer: sab, byteOffset: 12 });
  assert.equal(lock.byteOffset, 12);
  assert.equal(lock.locked(), false, 'the constructor initialised non-zero memory to unlocked');
  lock.acquire();
  const twin = Lock.from(structuredClone(lock));
  assert.equal(twin.locked(), true);
  twin.release();
  assert.equal(lock.locked(), false);
  for (let i = 0; i < 32; i++) if (i < 12 || i >= 16) assert.equal(bytes[i], 0xab, `byte ${i} changed`);
  const zeroed = Lock.from({ [KIND_PROPERTY]: 'Lock', buffer: new SharedArrayBuffer(4), byteOffset: 0 });
  assert.equal(zeroed.tryAcquire(), true, 'all-zero memory is an unlocked Lock');
});

test('withLock / withLockAsync release however fn ends; a timeout is TimeoutError', { timeout: 10_000 }, async () => {
  const lock = new Lock();
  assert.equal(
    lock.withLock(() => (lock.locked() ? 7 : 0)),
    7,
  );
  assert.throws(
    () =>
      lock.withLock(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(lock.locked(), false);
  assert.equal(
    await lock.withLockAsync(async () => {
      await sleep(1);
      return 'x';
    }),
    'x',
  );
  await assert.rejects(
    lock.withLockAsync(() => Promise.reject(new Error('async boom'))),
    /async boom/,
  );
  assert.equal(lock.locked(), false);
  lock.acquire();
  assert.throws(() => lock.withLock(() => 1, 5), TimeoutError);
  await assert.rejects(
    lock.withLockAsync(() => 1, { timeout: 5 }),
    TimeoutError,
  );
  lock.release();
});

test('Condition hooks: _isOwned, _releaseSave, _acquireRestore(Async)', { timeout: 10_000 }, async () => {
  const lock = new Lock();
  assert.equal(lock._isOwned(), false);
  lock.acquire();
  assert.equal(lock._isOwned(), true);
  const state = lock._releaseSave();
  assert.equal(state, 1);
  assert.equal(lock.locked(), false);
  lock._acquireRestore(state);
  assert.equal(lock._isOwned(), true);
  lock.release();
  await lock._acquireRestoreAsync(1);
  assert.equal(lock._isOwned(), true);
  lock.release();
  assert.throws(() => lock._releaseSave(), NotLockedError);
});

test('hammer: 2 workers, 10^6 acquire/release pairs, a non-atomic counter is exact', { timeout: 60_000 }, async () => {
  const lock = new Lock();
  const counter = new SharedArrayBuffer(8);
  const inside = new SharedArrayBuffer(4);
  const start = new Int32Array(new SharedArrayBuffer(8));
  const iters = 500_000;
  const ws = [1, 2].map((seed) =>
    workers.start(lockWorker, {
      mode: 'hammer',
      kind: 'Lock',
      lock,
      counter,
      inside,
      start: start.buffer,
      iters,
      seed,
    }),
  );
  const results = ws.map((w) => nextMessage(w));
  await until(() => Atomics.load(start, 1) === 2, 'workers to arrive');
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const rs = await Promise.all(results);
  assert.deepEqual(
    rs.map((r) => r.violations),
    [0, 0],
  );
  assert.equal(new Int32Array(counter)[0], 2 * iters);
  assert.equal(word(lock)[0], 0, 'free, with no flag left behind');
});

test('barging is bounded: a waiter gets the lock repeatedly while another thread re-acquires in a loop', {
  timeout: 60_000,
}, async () => {
  const lock = new Lock();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const looper = workers.start(lockWorker, { mode: 'loop-until', kind: 'Lock', lock, stop: stop.buffer });
  await nextMessage(looper);
  const looperDone = nextMessage(looper);
  const contender = workers.start(lockWorker, { mode: 'contender', kind: 'Lock', lock, count: 200 });
  try {
    assert.deepEqual(await nextMessage(contender), { done: 200 });
    // The main thread, async, also gets through.
    for (let i = 0; i < 20; i++) {
      assert.equal(await lock.acquireAsync(), true);
      lock.release();
    }
  } finally {
    Atomics.store(stop, 0, 1);
  }
  const { n } = await looperDone;
  assert.ok(n > 0);
  await exited(looper);
});

test('starvation hand-over: past STARVATION_MS a waiter reserves the next release; a newcomer cannot barge', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  lock.acquire();
  const w = workers.start(lockWorker, { mode: 'hold', kind: 'Lock', lock, how: 'terminate' });
  // The waiter notices it has starved when it next wakes (at the latest after ROBUST_POLL_MS).
  await until(() => (word(lock)[0] & STARVING) !== 0, 'the waiter to mark STARVING');
  lock.release();
  // Normal mode would let this CAS win before the parked waiter even wakes (~25 µs).
  assert.equal(lock.tryAcquire(), false, 'the release went to the starving waiter, not to a newcomer');
  const m = await nextMessage(w);
  assert.equal(m.held, true);
  assert.equal(word(lock)[0] & STARVING, 0, 'the waiter that took the reserved lock cleared STARVING');
  assert.equal(word(lock)[0] & OWNER_MASK, w.threadId + 1);
});

test("timeout table: Lock.acquire / acquireAsync (Python's lock rule: -1 is no limit, another negative is an error)", {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  for (const t of TIMEOUT_CASES) {
    const timeout = asTimeout(t);
    const name = `Lock.acquire(${label(t)})`;
    if (!lock.locked()) lock.acquire();
    switch (lockRule(t)) {
      case 'now':
        assert.equal(lock.acquire(timeout), false, name);
        assert.equal(await lock.acquireAsync(timeout), false, name);
        assert.equal(await lock.acquireAsync({ timeout }), false, name);
        break;
      case 'invalid':
        assert.throws(() => lock.acquire(timeout), S.InvalidArgumentError, name);
        await assert.rejects(lock.acquireAsync({ timeout }), S.InvalidArgumentError, name);
        assert.throws(() => lock.withLock(() => 1, timeout), S.InvalidArgumentError, name);
        break;
      case 'forever':
        assert.equal(await stillWaiting(lock.acquireAsync(timeout), () => lock.release(), name), true, name);
        lock.release();
        assert.equal(lock.acquire(timeout), true, `${name} on a free lock`);
        break;
    }
    assert.equal(lock.locked(), true, name);
  }
  lock.release();
});

test('construction is never left attaching: a Lock made during a revival, or after one threw, is fresh', {
  timeout: 20_000,
}, () => {
  const held = new Lock();
  held.acquire();
  const made: Lock[] = [];
  // A kind whose reviver builds new objects while revive() is reviving the Locks around it.
  S.registerKind('TrapProbe', () => {
    made.push(new Lock());
    return { probe: true };
  });
  const box = revive(
    structuredClone({
      a: held,
      p: { [KIND_PROPERTY]: 'TrapProbe', buffer: new SharedArrayBuffer(4), byteOffset: 0 },
      b: held,
    }),
  );
  assert.equal((box.a as Lock).locked(), true, 'the revived lock is the held one');
  assert.equal(made.length, 1);
  assert.notEqual(made[0].buffer, held.buffer, 'the lock made inside the reviver has its own memory');
  assert.equal(made[0].locked(), false);

  // A from() that throws part-way (the cell attaches, then its lock descriptor is refused).
  const v = new S.Value('i', 7);
  const bad = { ...structuredClone(v), lock: { [KIND_PROPERTY]: 'Event', buffer: v.buffer, byteOffset: 0 } };
  assert.throws(() => S.Value.from(bad), ReviveError);
  assert.throws(() => Lock.from({ [KIND_PROPERTY]: 'Lock', buffer: held.buffer, byteOffset: 2 }), InvalidRegionError);
  const fresh = new Lock();
  assert.notEqual(fresh.buffer, held.buffer);
  assert.equal(fresh.locked(), false);
  const cell = new S.Value('i', 5);
  assert.notEqual(cell.buffer, v.buffer);
  assert.equal(cell.value, 5);

  // The attach argument is a module-private symbol: one spelled the same way is not it.
  const region = { buffer: held.buffer, byteOffset: held.byteOffset };
  const forged = Reflect.construct(Lock, [region, Symbol('Lock: attach')]) as Lock;
  assert.equal(forged.locked(), false, 'a forged token constructs (and initialises) as new Lock(region) does');
  assert.equal(held.locked(), false, 'same memory: it was initialised, not attached');
});
