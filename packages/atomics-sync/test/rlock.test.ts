// RLock: re-entry counting, owner-only release (also from another worker), misuse, Condition hooks,
// timeouts, sharing and regions, and a 10^6-operation hammer with nested acquires.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RLock,
  Lock,
  InvalidArgumentError,
  InvalidRegionError,
  NotOwnerError,
  ReviveError,
  TimeoutError,
  deserializeError,
  currentThreadId,
} from '../src/index.js';
import { PARKED, STARVING } from '../src/sync/lock-core.js';
import { Workers, lockWorker, nextMessage, until } from './fixtures/lock-harness.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, lockRule, stillWaiting } from './timeout-table.js';

const workers = new Workers();
after(() => workers.stopAll());

const words = (l: RLock) => new Int32Array(l.buffer, l.byteOffset, 2);

test('re-entry: the owner acquires n times and must release n times', () => {
  const r = new RLock();
  assert.equal(r.isOwned(), false);
  assert.equal(r.depth, 0);
  for (let i = 1; i <= 3; i++) {
    assert.equal(i === 2 ? r.tryAcquire() : r.acquire(), true);
    assert.equal(r.depth, i);
  }
  assert.equal(r.acquire(0), true, 're-entry never waits, even with timeout 0');
  assert.equal(r.depth, 4);
  for (let i = 4; i >= 1; i--) {
    assert.equal(r.locked(), true);
    r.release();
    assert.equal(r.depth, i - 1);
  }
  assert.equal(r.locked(), false);
  assert.deepEqual([...words(r)], [0, 0]);
  assert.throws(() => r.release(), NotOwnerError);
});

test('misuse table: named errors, nothing changed', () => {
  const r = new RLock();
  const sab = new SharedArrayBuffer(8);
  const cases: [string, () => unknown, new (...a: any[]) => Error, RegExp][] = [
    ['release unheld', () => r.release(), NotOwnerError, /does not hold/],
    ['_releaseSave unheld', () => r._releaseSave(), NotOwnerError, /does not hold/],
    ['timeout -2', () => r.acquire(-2), InvalidArgumentError, /timeout must be/],
    ['timeout NaN', () => r.acquire(NaN), InvalidArgumentError, /NaN/],
    ['restore depth 0', () => r._acquireRestore(0), InvalidArgumentError, /depth/],
    ['restore depth 1.5', () => r._acquireRestore(1.5), InvalidArgumentError, /1\.5/],
    ['region too small', () => new RLock({ buffer: sab, byteOffset: 4 }), InvalidRegionError, /needs 8 bytes/],
    [
      'misaligned',
      () => new RLock({ buffer: new SharedArrayBuffer(16), byteOffset: 6 }),
      InvalidRegionError,
      /multiple of 4/,
    ],
    ['from a Lock', () => RLock.from(structuredClone(new Lock())), ReviveError, /serialised Lock/],
    ['from null', () => RLock.from(null), ReviveError, /RLock\.from/],
  ];
  for (const [name, fn, cls, re] of cases) {
    if (r.isOwned()) r.release();
    assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message), name);
  }
  if (r.isOwned()) r.release();
  assert.deepEqual([...words(r)], [0, 0]);
  r.acquire();
  assert.throws(() => r.acquire(-5), InvalidArgumentError);
  assert.equal(r.depth, 1, 'a bad timeout does not re-enter');
  r.release();
});

test('release by a non-owner in another worker is NotOwnerError and changes nothing', { timeout: 20_000 }, async () => {
  const r = new RLock();
  r.acquire();
  r.acquire();
  const w = workers.start(lockWorker, { mode: 'release', kind: 'RLock', lock: r });
  const m = await nextMessage(w);
  const err = deserializeError(m.error);
  assert.ok(err instanceof NotOwnerError);
  assert.equal((err as NotOwnerError).code, 'ERR_SABKIT_NOT_OWNER');
  assert.deepEqual([...words(r)], [currentThreadId + 1, 2]);
  r.release();
  r.release();
  assert.equal(r.locked(), false);
});

test('another thread cannot enter while the owner holds it; a sync waiter in a worker times out cleanly', {
  timeout: 20_000,
}, async () => {
  const r = new RLock();
  r.acquire();
  r.acquire();
  const w = workers.start(lockWorker, { mode: 'acquire-report', kind: 'RLock', lock: r, timeout: 30 });
  const m = await nextMessage(w);
  assert.equal(m.ok, false);
  assert.equal(m.owned, false);
  assert.equal(words(r)[0] & STARVING, 0);
  assert.equal(words(r)[0] & ~PARKED, currentThreadId + 1);
  assert.equal(words(r)[1], 2);
  assert.equal(await r.acquireAsync(5), true, 're-entry from async code on the owning thread');
  r.release();
  r.release();
  r.release();
  assert.deepEqual([...words(r)], [0, 0]);
  const w2 = workers.start(lockWorker, { mode: 'acquire-report', kind: 'RLock', lock: r, timeout: 1000 });
  const m2 = await nextMessage(w2);
  assert.equal(m2.ok, true);
  assert.equal(m2.owned, true);
});

test('acquireAsync on main waits for a worker owner; abort leaves it consistent', { timeout: 20_000 }, async () => {
  const r = new RLock();
  const holder = workers.start(lockWorker, { mode: 'hold', kind: 'RLock', lock: r, depth: 2, how: 'terminate' });
  await nextMessage(holder);
  assert.equal(await r.acquireAsync(10), false);
  const ac = new AbortController();
  const p = r.acquireAsync({ signal: ac.signal });
  setTimeout(() => ac.abort(new Error('aborted')), 5);
  await assert.rejects(p, /aborted/);
  assert.equal(words(r)[0] & STARVING, 0);
  assert.equal(words(r)[0] & ~PARKED, holder.threadId + 1);
  assert.equal(words(r)[1], 2, "the owner's depth is untouched");
});

test('Condition hooks: _releaseSave returns the depth and _acquireRestore(Async) restores it', {
  timeout: 10_000,
}, async () => {
  const r = new RLock();
  r.acquire();
  r.acquire();
  r.acquire();
  assert.equal(r._isOwned(), true);
  const depth = r._releaseSave();
  assert.equal(depth, 3);
  assert.equal(r.locked(), false);
  assert.equal(r._isOwned(), false);
  r._acquireRestore(depth);
  assert.equal(r.depth, 3);
  assert.equal(r._releaseSave(), 3);
  await r._acquireRestoreAsync(2);
  assert.equal(r.depth, 2);
  r.release();
  r.release();
  assert.deepEqual([...words(r)], [0, 0]);
});

test('withLock is re-entrant and releases one level; timeout is TimeoutError', { timeout: 10_000 }, async () => {
  const r = new RLock();
  assert.equal(
    r.withLock(() => r.withLock(() => r.depth)),
    2,
  );
  assert.equal(r.locked(), false);
  assert.equal(await r.withLockAsync(async () => r.depth), 1);
  const holder = workers.start(lockWorker, { mode: 'hold', kind: 'RLock', lock: r, how: 'terminate' });
  await nextMessage(holder);
  assert.throws(() => r.withLock(() => 1, 5), TimeoutError);
  await assert.rejects(
    r.withLockAsync(() => 1, { timeout: 5 }),
    TimeoutError,
  );
});

test('regions: an RLock at an offset touches only its 8 bytes; all-zero memory is free', () => {
  const sab = new SharedArrayBuffer(40);
  const bytes = new Uint8Array(sab);
  bytes.fill(0x5a);
  const r = new RLock({ buffer: sab, byteOffset: 20 });
  r.acquire();
  r.acquire();
  const twin = RLock.from(structuredClone(r));
  assert.equal(twin.isOwned(), true, 'same thread, same memory');
  twin.release();
  assert.equal(r.depth, 1);
  r.release();
  for (let i = 0; i < 40; i++) if (i < 20 || i >= 28) assert.equal(bytes[i], 0x5a, `byte ${i}`);
});

test('hammer: 2 workers, 10^6 operations with nested acquires, the counter is exact', { timeout: 60_000 }, async () => {
  const r = new RLock();
  const counter = new SharedArrayBuffer(8);
  const inside = new SharedArrayBuffer(4);
  const start = new Int32Array(new SharedArrayBuffer(8));
  const iters = 420_000;
  const ws = [11, 12].map((seed) =>
    workers.start(lockWorker, {
      mode: 'hammer',
      kind: 'RLock',
      lock: r,
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
  const ops = rs[0].ops + rs[1].ops;
  assert.ok(ops >= 1_000_000, `${ops} acquires`);
  assert.deepEqual(
    rs.map((x) => x.violations),
    [0, 0],
  );
  assert.equal(new Int32Array(counter)[0], ops);
  assert.deepEqual([...words(r)], [0, 0]);
});

test('timeout table: RLock.acquire / acquireAsync (the lock rule, as Lock)', { timeout: 20_000 }, async () => {
  const r = new RLock();
  const w = words(r);
  // Held by a thread that never existed (alive, as far as the liveness table knows), so this
  // thread's acquire cannot re-enter and must wait.
  const hold = () => Atomics.store(w, 0, 999 + 1);
  const free = () => {
    Atomics.store(w, 0, 0);
    Atomics.notify(w, 0);
  };
  for (const t of TIMEOUT_CASES) {
    const timeout = asTimeout(t);
    const name = `RLock.acquire(${label(t)})`;
    hold();
    switch (lockRule(t)) {
      case 'now':
        assert.equal(r.acquire(timeout), false, name);
        assert.equal(await r.acquireAsync({ timeout }), false, name);
        free();
        break;
      case 'invalid':
        assert.throws(() => r.acquire(timeout), S.InvalidArgumentError, name);
        await assert.rejects(r.acquireAsync(timeout), S.InvalidArgumentError, name);
        free();
        break;
      case 'forever':
        assert.equal(await stillWaiting(r.acquireAsync(timeout), free, name), true, name);
        assert.equal(r.acquire(timeout), true, `${name} re-entered`);
        r.release();
        r.release();
        break;
    }
    assert.equal(r.locked(), false, name);
  }
});
