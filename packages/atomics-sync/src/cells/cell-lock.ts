/**
 * The lock of a synchronized cell (Value, SharedArray), as Python's `multiprocessing.Value(...,
 * lock=...)`: `true` makes a new RLock (Python's default: re-entrant, so code that holds
 * `getLock()` can still read and write the cell, which takes the lock again), `false` makes a raw
 * cell, and a given Lock or RLock is shared with whoever else uses it.
 *
 * The default RLock lives in the cell's own region, right after the elements (aligned to
 * RLock.ALIGNMENT), so a cell and its lock are one allocation and travel as one buffer. A given
 * lock stays where it was made; the cell's descriptor carries the lock's descriptor either way,
 * so `Value.from` / `SharedArray.from` revive the two together.
 */
import { InvalidArgumentError, NoLockError, OwnerDeadError, ReviveError, describe } from '../errors.js';
import { KIND_PROPERTY } from '../runtime/shared.js';
import { Lock } from '../sync/lock.js';
import { RLock } from '../sync/rlock.js';

/** What a synchronized cell may be guarded by. */
export type CellLock = Lock | RLock;

/** The `lock` option: true (default, a new RLock), false (no lock), or a Lock/RLock to share. */
export type LockOption = boolean | CellLock;

/** Room the default lock needs after the elements: none unless `lock` is true (or omitted). */
export function lockRoom(kind: string, lock: unknown): { bytes: number; align: number } {
  if (lock === undefined || lock === true) return { bytes: RLock.BYTE_LENGTH, align: RLock.ALIGNMENT };
  if (lock === false || lock instanceof Lock || lock instanceof RLock) return { bytes: 0, align: 1 };
  throw new InvalidArgumentError(
    `${kind}: lock must be true (a new RLock), false (no lock), a Lock or an RLock, got ${describe(lock)}`,
  );
}

/** Makes (lock: true, placed at `lockOffset` in the cell's buffer) or returns the cell's lock. */
export function makeLock(lock: LockOption | undefined, buffer: SharedArrayBuffer, lockOffset: number): CellLock | null {
  if (lock === undefined || lock === true) return new RLock({ buffer, byteOffset: lockOffset });
  return lock === false ? null : lock;
}

/**
 * Bytes a cell occupies from byteOffset: its `dataBytes` of elements, plus its lock when that is
 * the default one placed right after them.
 */
export function footprint(
  buffer: SharedArrayBuffer,
  byteOffset: number,
  dataBytes: number,
  lock: CellLock | null,
): number {
  const lockOffset = Math.ceil(dataBytes / RLock.ALIGNMENT) * RLock.ALIGNMENT;
  const inRegion = lock instanceof RLock && lock.buffer === buffer && lock.byteOffset === byteOffset + lockOffset;
  return inRegion ? lockOffset + RLock.BYTE_LENGTH : dataBytes;
}

/** Revives the `lock` field of a cell's descriptor. */
export function reviveLock(kind: string, d: unknown): CellLock | null {
  if (d === null || d === undefined) return null;
  if (d instanceof Lock || d instanceof RLock) return d;
  const k = typeof d === 'object' ? (d as Record<string, unknown>)[KIND_PROPERTY] : undefined;
  if (k === 'RLock') return RLock.from(d);
  if (k === 'Lock') return Lock.from(d);
  throw new ReviveError(`${kind}.from(value): lock must be null or a serialised Lock or RLock, got ${describe(d)}`);
}

/**
 * Takes the lock for one of the cell's own accesses (value, get, set, slice) and says whether it
 * did. A thread that already holds the lock (inside getLock().withLock(...), say) is already
 * excluding everyone else, so the access goes ahead without taking it again: cheaper than an
 * RLock re-entry (one load instead of two stores), and with a plain Lock given as `lock` it is
 * what keeps Python's idiom `with v.get_lock(): v.value += 1` from deadlocking on itself (Python
 * itself deadlocks there). `_isOwned` is the contract Lock and RLock keep for Condition: exact for
 * the calling thread, since only it can make the answer change.
 *
 * If the lock was taken over from a dead owner (OwnerDeadError), it is released again before the
 * error propagates: the caller did not ask to hold it, so the access is not performed and the next
 * one proceeds normally.
 */
export function enter(lock: CellLock): boolean {
  if (lock._isOwned()) return false;
  try {
    lock.acquire();
  } catch (e) {
    if (e instanceof OwnerDeadError) lock.release();
    throw e;
  }
  return true;
}

export function noLock(kind: string): NoLockError {
  return new NoLockError(
    `${kind}.getLock(): this cell was made with lock: false and has no lock (Python's raw cells have no ` +
      `get_lock either)`,
  );
}
