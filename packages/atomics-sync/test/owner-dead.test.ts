// Issue 20 point 6: OwnerDeadError keeps POSIX's meaning (the caller holds the lock and must repair
// what the dead owner left), but misuse is hard: withLock / withLockAsync always release, and run
// the handle's `onOwnerDead` repair first after a takeover (without one they throw OwnerDeadError
// and do not run fn); `ownerDied` on the handle tells without a throw (e.g. in a finally).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, Lock, OwnerDeadError, RLock, Value } from '../src/index.js';
import { Workers, lockWorker, nextMessage, exited } from './fixtures/lock-harness.js';

const workers = new Workers();
after(() => workers.stopAll());

/** A lock of `kind` held by a worker that then exits: the next acquire takes it over. */
async function orphaned<L extends Lock | RLock>(lock: L, kind: string): Promise<number> {
  const w = workers.start(lockWorker, { mode: 'hold', kind, lock, how: 'exit' });
  const { threadId } = await nextMessage(w);
  await exited(w);
  return threadId;
}

for (const kind of ['Lock', 'RLock'] as const) {
  const make = () => (kind === 'Lock' ? new Lock() : new RLock());

  test(`${kind}.withLock with onOwnerDead set: repairs, runs fn, releases, throws nothing`, {
    timeout: 20_000,
  }, async () => {
    const lock = make();
    const dead = await orphaned(lock, kind);
    const seen: string[] = [];
    lock.onOwnerDead = (id) => void seen.push(`repair ${id === dead}`);
    const r = lock.withLock(() => {
      seen.push(`fn ownerDied=${lock.ownerDied}`);
      return 42;
    }, 5_000);
    assert.equal(r, 42);
    assert.deepEqual(seen, ['repair true', 'fn ownerDied=true']);
    assert.equal(lock.locked(), false, 'released');
    assert.equal(lock.ownerDied, false);
  });

  test(`${kind}.withLock without onOwnerDead: fn does not run, the lock is released, OwnerDeadError`, {
    timeout: 20_000,
  }, async () => {
    const lock = make();
    const dead = await orphaned(lock, kind);
    let ran = false;
    assert.throws(
      () => lock.withLock(() => (ran = true), 5_000),
      (e) => e instanceof OwnerDeadError && e.deadThreadId === dead,
    );
    assert.equal(ran, false);
    assert.equal(lock.locked(), false, 'never left held');
  });

  test(`${kind}.withLockAsync: an async repair is awaited before fn; a repair that throws still releases`, {
    timeout: 20_000,
  }, async () => {
    const lock = make();
    await orphaned(lock, kind);
    const seen: string[] = [];
    lock.onOwnerDead = async () => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push('repair');
    };
    await lock.withLockAsync(() => void seen.push('fn'), 5_000);
    assert.deepEqual(seen, ['repair', 'fn']);
    assert.equal(lock.locked(), false);
    await orphaned(lock, kind);
    // The sync form cannot wait for an async repair: refused by name, the lock released.
    assert.throws(() => lock.withLock(() => 1, 5_000), /onOwnerDead returned a promise/);
    assert.equal(lock.locked(), false);
    await orphaned(lock, kind);
    lock.onOwnerDead = () => {
      throw new Error('cannot repair');
    };
    await assert.rejects(
      lock.withLockAsync(() => 1, 5_000),
      /cannot repair/,
    );
    assert.equal(lock.locked(), false, 'released although the repair threw');
    lock.onOwnerDead = null;
    assert.equal(lock.onOwnerDead, undefined);
  });

  test(`${kind}: ownerDied is set by a takeover and cleared by release; plain acquires never set it`, {
    timeout: 20_000,
  }, async () => {
    const lock = make();
    assert.equal(lock.acquire(), true);
    assert.equal(lock.ownerDied, false);
    lock.release();
    await orphaned(lock, kind);
    try {
      lock.acquire(5_000);
      assert.fail('expected OwnerDeadError');
    } catch (e) {
      assert.ok(e instanceof OwnerDeadError);
    } finally {
      assert.equal(lock.ownerDied, true, 'visible in a finally, without the error');
      lock.release();
    }
    assert.equal(lock.ownerDied, false);
    assert.equal(lock.tryAcquire(), true);
    assert.equal(lock.ownerDied, false);
    lock.release();
  });

  test(`${kind} misuse: onOwnerDead not a function, withLock(not a function): InvalidArgumentError`, () => {
    const lock = make();
    for (const bad of [1, 'x', {}]) {
      assert.throws(
        () => {
          lock.onOwnerDead = bad as unknown as () => void;
        },
        (e) =>
          e instanceof InvalidArgumentError &&
          e.code === 'ERR_SABKIT_INVALID_ARGUMENT' &&
          /onOwnerDead/.test(e.message),
      );
    }
    assert.equal(lock.onOwnerDead, undefined, 'unchanged');
    assert.throws(() => lock.withLock(42 as unknown as () => number), InvalidArgumentError);
    assert.equal(lock.locked(), false);
    assert.equal(
      lock.withLock(() => 7),
      7,
    );
  });
}

test('Value: getLock().onOwnerDead repairs a cell whose writer died mid-update', { timeout: 20_000 }, async () => {
  const v = new Value('i', 0);
  const lock = v.getLock() as RLock;
  await orphaned(lock, 'RLock');
  let repaired = false;
  lock.onOwnerDead = () => {
    repaired = true;
  };
  lock.withLock(() => {
    v.value = 1; // the getter/setter re-enter the RLock this thread holds
  }, 5_000);
  assert.equal(repaired, true);
  assert.equal(v.value, 1);
});
