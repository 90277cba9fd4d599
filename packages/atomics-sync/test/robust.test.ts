// Robustness: a worker that dies (process.exit, terminate(), an uncaught error) while holding a
// Lock, an RLock or Semaphore permits does not deadlock the others: the next acquirer takes over
// within about ROBUST_POLL_MS, holds what it took, and is told with OwnerDeadError. Also the
// documented limits: permits that move between threads, and a full holder table, turn recovery off.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  OwnerDeadError,
  SemaphoreOverflowError,
  deserializeError,
  isThreadDead,
  HOLDER_SLOTS,
} from '../src/index.js';
import { Workers, lockWorker, semWorker, nextMessage, exited, sleep } from './fixtures/lock-harness.js';

const workers = new Workers();
after(() => workers.stopAll());

function isOwnerDead(e: unknown, threadId: number): boolean {
  return e instanceof OwnerDeadError && e.code === 'ERR_SABKIT_OWNER_DEAD' && e.deadThreadId === threadId;
}

test('Lock: a worker exits (process.exit, unwatched) holding it; acquireAsync on main takes it over', {
  timeout: 20_000,
}, async (t) => {
  const lock = new Lock();
  const w = workers.start(lockWorker, { mode: 'hold', kind: 'Lock', lock, how: 'exit' }, false);
  const { threadId } = await nextMessage(w);
  let exitedAt = 0;
  // Parked before the death, so it must notice by polling the liveness table.
  const waiting = assert.rejects(lock.acquireAsync(), (e) => isOwnerDead(e, threadId));
  assert.equal(await exited(w), 3);
  exitedAt = performance.now();
  await waiting;
  t.diagnostic(`takeover ${(performance.now() - exitedAt).toFixed(1)} ms after the exit event`);
  assert.equal(isThreadDead(threadId), true, 'the worker marked itself dead on exit');
  assert.equal(lock._isOwned(), true, 'OwnerDeadError is thrown to a caller that holds the lock');
  lock.release();
  assert.equal(lock.locked(), false);
  assert.equal(lock.tryAcquire(), true, 'an ordinary lock again');
  lock.release();
});

test('Lock: a worker is terminated holding it while another worker is blocked in acquire()', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  const holder = workers.start(lockWorker, { mode: 'hold', kind: 'Lock', lock, how: 'terminate' });
  const { threadId } = await nextMessage(holder);
  const waiter = workers.start(lockWorker, { mode: 'acquire-report', kind: 'Lock', lock });
  const report = nextMessage(waiter);
  await sleep(20);
  await holder.terminate();
  const m = await report;
  assert.ok(isOwnerDead(deserializeError(m.error), threadId), `got ${JSON.stringify(m)}`);
  assert.equal(m.owned, true, 'the waiter held the lock when it saw OwnerDeadError');
  await exited(waiter);
  assert.equal(lock.locked(), false, 'the waiter released it');
});

test('Lock: a worker dies of an uncaught error holding it; tryAcquire takes over without waiting', {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  const w = workers.start(lockWorker, { mode: 'hold', kind: 'Lock', lock, how: 'throw' });
  // The worker's error may be emitted before its 'held' message: wait for the exit, not the message.
  const error = new Promise<Error>((resolve) => w.once('error', resolve));
  const threadId = w.threadId;
  await exited(w);
  assert.match((await error).message, /dies holding the lock/);
  assert.equal(lock.locked(), true, 'the worker acquired before it died');
  assert.throws(
    () => lock.tryAcquire(),
    (e) => isOwnerDead(e, threadId),
  );
  assert.equal(lock._isOwned(), true);
  assert.equal(lock.tryAcquire(), false, 'held by us now, no second report');
  lock.release();
});

test('RLock: terminated at depth 3; the sync acquirer takes over at depth 1', { timeout: 20_000 }, async () => {
  const r = new RLock();
  const w = workers.start(lockWorker, { mode: 'hold', kind: 'RLock', lock: r, depth: 3, how: 'terminate' });
  const { threadId } = await nextMessage(w);
  assert.equal(r.tryAcquire(), false);
  await w.terminate();
  assert.throws(
    () => r.acquire(),
    (e) => isOwnerDead(e, threadId),
  );
  assert.equal(r.isOwned(), true);
  assert.equal(r.depth, 1, "the dead owner's depth is not inherited");
  r.release();
  assert.equal(r.locked(), false);
});

test('RLock: the owner exits while a worker waits; the waiter gets it and sees OwnerDeadError', {
  timeout: 20_000,
}, async () => {
  const r = new RLock();
  const holder = workers.start(lockWorker, { mode: 'hold', kind: 'RLock', lock: r, depth: 2, how: 'exit' });
  const { threadId } = await nextMessage(holder);
  const waiter = workers.start(lockWorker, { mode: 'acquire-report', kind: 'RLock', lock: r, timeout: 15_000 });
  const m = await nextMessage(waiter);
  assert.ok(isOwnerDead(deserializeError(m.error), threadId));
  assert.equal(m.owned, true);
  await exited(waiter);
  assert.equal(r.locked(), false);
});

test("Semaphore: a terminated worker's 2 permits come back; the recoverer keeps one and is told", {
  timeout: 20_000,
}, async () => {
  const s = new Semaphore(3);
  const w = workers.start(semWorker, { mode: 'hold', kind: 'Semaphore', sem: s, permits: 2, how: 'terminate' });
  const { threadId } = await nextMessage(w);
  await w.terminate();
  assert.equal(s.acquire(), true, 'the free permit first');
  assert.equal(s.value, 0, "dead holders' permits are recovered when needed, not before");
  assert.throws(
    () => s.acquire(),
    (e) => isOwnerDead(e, threadId),
  );
  assert.equal(s.value, 1, 'one recovered permit kept, one returned');
  assert.equal(s.acquire(0), true);
  assert.equal(s.tryAcquire(), false, 'nothing recovered twice');
  s.release(3);
  assert.equal(s.value, 3);
});

test('Semaphore: a waiter blocked in another worker gets the permit of a holder that exits', {
  timeout: 20_000,
}, async () => {
  const s = new Semaphore(1);
  const holder = workers.start(semWorker, { mode: 'hold', kind: 'Semaphore', sem: s, permits: 1, how: 'terminate' });
  const { threadId } = await nextMessage(holder);
  const waiter = workers.start(semWorker, { mode: 'acquire-report', kind: 'Semaphore', sem: s, timeout: 15_000 });
  await nextMessage(waiter);
  const report = nextMessage(waiter);
  await sleep(20);
  await holder.terminate();
  const m = await report;
  assert.ok(isOwnerDead(deserializeError(m.error), threadId), JSON.stringify(m));
  assert.equal(s.value, 0, 'the waiter holds the recovered permit');
});

test('BoundedSemaphore: permits of a worker that exits are recovered by acquireAsync, never above the bound', {
  timeout: 20_000,
}, async () => {
  const b = new BoundedSemaphore(2);
  const w = workers.start(semWorker, { mode: 'hold', kind: 'BoundedSemaphore', sem: b, permits: 2, how: 'exit' });
  const { threadId } = await nextMessage(w);
  await exited(w);
  await assert.rejects(b.acquireAsync(5_000), (e) => isOwnerDead(e, threadId));
  assert.equal(b.value, 1);
  b.release();
  assert.equal(b.value, 2);
  assert.throws(() => b.release(), SemaphoreOverflowError);
});

test('limit: a semaphore whose permits move between threads is not recovered (no phantom permits)', {
  timeout: 20_000,
}, async () => {
  // A signal counter: the main thread releases (it holds nothing), a worker consumes and exits.
  const s = new Semaphore(0);
  s.release(); // unmatched release: recovery is off for good (RECOVERY_OFF_TRANSFER)
  const w = workers.start(semWorker, { mode: 'hold', kind: 'Semaphore', sem: s, permits: 1, how: 'exit' });
  await nextMessage(w);
  await exited(w);
  assert.equal(await s.acquireAsync(120), false, 'the consumed permit did not come back');
  assert.equal(s.tryAcquire(), false);
  const flags = new Int32Array(s.buffer, s.byteOffset, 4)[3];
  assert.equal(flags, 1);
  assert.equal(s.recovery, 'off-transfer');
});

test('limit: a full holder table turns recovery off instead of tracking some holders', {
  timeout: 20_000,
}, async () => {
  const s = new Semaphore(1);
  const words = new Int32Array(s.buffer, s.byteOffset, Semaphore.BYTE_LENGTH / 4);
  // Every slot taken by a (live, never-started) thread id far above any real one.
  for (let i = 0; i < HOLDER_SLOTS; i++) words[6 + 2 * i] = 1_000_000 + i;
  const w = workers.start(semWorker, { mode: 'hold', kind: 'Semaphore', sem: s, permits: 1, how: 'terminate' });
  await nextMessage(w);
  assert.equal(words[3], 2, 'RECOVERY_OFF_FULL');
  assert.equal(s.recovery, 'off-full');
  await w.terminate();
  assert.equal(s.acquire(60), false, "an untracked holder's permit cannot be recovered");
});
