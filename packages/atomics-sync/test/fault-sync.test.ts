// Fault injection (issue 20), synchronisation primitives: workers operate on a Lock, RLock,
// Semaphore, BoundedSemaphore, Condition, Barrier, Event and Value/Array cells while one of them is
// killed at a random point (process.exit, an uncaught throw, terminate()). See fault-harness.ts for
// the protocol and the invariants every object shares; each test adds its object's end state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  OwnerDeadError,
  RLock,
  Semaphore,
  SharedArray,
  Value,
} from '../src/index.js';
import * as F from './fault-layout.js';
import { ROUNDS, TEST_LIMIT_MS, runFaults } from './fault-harness.js';

/** tryAcquire that counts a takeover as acquired. */
function grab(l: { tryAcquire(): boolean }): boolean {
  try {
    return l.tryAcquire();
  } catch (e) {
    if (e instanceof OwnerDeadError) return true;
    throw e;
  }
}

for (const kind of ['Lock', 'RLock'] as const) {
  test(`fault injection: ${kind}, ${ROUNDS} rounds`, { timeout: TEST_LIMIT_MS }, async (t) => {
    const lock = kind === 'Lock' ? new Lock() : new RLock();
    await runFaults(t, { kind, obj: { lock } });
    // Free, or held by a dead thread: either way this thread gets it, and it works after.
    assert.equal(grab(lock), true, 'the lock is not stuck');
    lock.release();
    assert.equal(lock.locked(), false);
  });
}

for (const kind of ['Semaphore', 'BoundedSemaphore'] as const) {
  test(`fault injection: ${kind}(2), ${ROUNDS} rounds: never a third holder, never a permit lost`, {
    timeout: TEST_LIMIT_MS,
  }, async (t) => {
    const sem = kind === 'Semaphore' ? new Semaphore(2) : new BoundedSemaphore(2);
    await runFaults(t, { kind, obj: { lock: sem } });
    assert.equal(sem.recovery, 'on');
    // Every permit comes back (from dead holders too), and there are exactly two.
    let n = 0;
    while (n < 5 && grab(sem)) n++;
    assert.equal(n, 2, `permits after the run: ${n}`);
    sem.release(2);
  });
}

test(`fault injection: Condition, ${ROUNDS} rounds: no lost wake-up, mutual exclusion`, {
  timeout: TEST_LIMIT_MS,
}, async (t) => {
  const cond = new Condition(new Lock());
  const { ctl } = await runFaults(t, {
    kind: 'Condition',
    obj: { cond },
    // A notifier killed before it announced the round: announce it (its waiters must not starve).
    async afterKill(r, ctl) {
      try {
        assert.equal(await cond.acquireAsync(F.OP_TIMEOUT_MS), true);
      } catch (e) {
        if (!(e instanceof OwnerDeadError)) throw e;
      }
      if (Atomics.load(ctl, F.GEN) < r) Atomics.store(ctl, F.GEN, r);
      cond.notifyAll();
      cond.release();
    },
  });
  assert.equal(Atomics.load(ctl, F.GEN), ROUNDS);
});

test(`fault injection: Barrier(3), ${ROUNDS} rounds: survivors are released or told, never stranded`, {
  timeout: TEST_LIMIT_MS,
}, async (t) => {
  const barrier = new Barrier(F.WORKERS, () => {});
  await runFaults(t, {
    kind: 'Barrier',
    obj: { barrier },
    state: () => `${barrier} inside=${[...new Int32Array(barrier.buffer, barrier.byteOffset + 24, F.WORKERS)]}`,
    afterRound() {
      if (barrier.broken) barrier.reset();
    },
  });
  if (barrier.broken) barrier.reset();
  assert.equal(barrier.nWaiting, 0);
});

test(`fault injection: Event, ${ROUNDS} rounds: no set is lost`, { timeout: TEST_LIMIT_MS }, async (t) => {
  const event = new Event();
  await runFaults(t, {
    kind: 'Event',
    obj: { event },
    afterKill: () => event.set(), // the setter may have died before setting
    afterRound: () => event.clear(),
  });
});

test(`fault injection: Value and Array, ${ROUNDS} rounds: no lost update, no torn array`, {
  timeout: TEST_LIMIT_MS,
}, async (t) => {
  const value = new Value('i', 0);
  const array = new SharedArray('i', 4);
  const { ctl, kills } = await runFaults(t, { kind: 'Value/Array', obj: { value, array } });
  const done = Atomics.load(ctl, F.OPS_DONE);
  let v = 0;
  try {
    v = value.value;
  } catch (e) {
    if (!(e instanceof OwnerDeadError)) throw e;
    v = value.value;
  }
  // A worker killed between its increment and its count adds one uncounted increment at most.
  assert.ok(v >= done && v <= done + kills, `value ${v}, increments counted ${done}, kills ${kills}`);
});
