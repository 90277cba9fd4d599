/**
 * The raw state machine of Semaphore (semaphore.ts) and BoundedSemaphore (bounded-semaphore.ts):
 * the words, and the holder table that makes dead holders' permits recoverable, as functions of
 * the object's Int32 view. Acquiring, waiting and releasing are semaphore.ts's.
 *
 *
 * Layout (Semaphore.BYTE_LENGTH = 256 bytes, ALIGNMENT = 4), Int32 words:
 *
 *   word 0   VALUE      permits available (>= 0). Waiters park on it while it is 0.
 *   word 1   NWAITERS   acquirers in the slow path; release notifies only when it is > 0
 *   word 2   BOUND      BoundedSemaphore: its initial value, the most VALUE may reach.
 *                       Semaphore: 0, unused.
 *   word 3   FLAGS      RECOVERY_OFF_TRANSFER | RECOVERY_OFF_FULL (sticky): holder records no longer
 *                       mean anything, dead holders' permits are not recovered
 *   words 4 + 2*s, 5 + 2*s, for s < HOLDER_SLOTS: the holder table
 *            HOLDER[s]  0 = free slot, T = thread T-1's record, RECLAIMING = being emptied
 *            HELD[s]    permits that thread holds (acquired and not yet released). Plain
 *                       (non-atomic) accesses: only that thread touches it while it lives; a
 *                       recoverer reads it after the death is published in the liveness table and
 *                       after its own CAS on HOLDER, which order it; it is zeroed before HOLDER
 *                       is freed, and the next claimer's CAS on HOLDER orders that.
 *
 * All-zero memory is a Semaphore with value 0 (and an empty table).
 *
 * Acquire: one CAS decrements VALUE when it is > 0; otherwise the acquirer counts itself in
 * NWAITERS, spins briefly, then parks on VALUE == 0. Release adds to VALUE, then wakes up to n
 * parked waiters if NWAITERS says there are any (both sides use sequentially consistent
 * atomics, so either the waiter sees the new value or the releaser sees the waiter). No order
 * among waiters is promised (as in Python); Atomics.notify wakes the longest parked first.
 *
 * Robustness: permits held by a thread that dies. Each thread that holds permits has a slot in
 * the holder table (claimed on its first acquire, freed when it holds none). An acquirer that
 * finds VALUE at 0 (before parking, and every ROBUST_POLL_MS while parked) looks for slots of
 * dead threads (liveness.ts); it empties such a slot, keeps one of its permits, returns the rest
 * to VALUE (and wakes waiters), and its acquire throws OwnerDeadError: it holds a permit, as
 * after a Lock takeover. Permits of dead holders are returned when someone needs them, not
 * before, so `value` does not show them until then.
 *
 * What recovery covers, and what it cannot:
 *  - It covers threads that acquire permits and release them themselves (a semaphore guarding a
 *    resource). A permit is "held" by the thread that acquired it until that thread releases one.
 *  - It cannot cover a semaphore whose permits move between threads: a signal counter (producers
 *    release, consumers acquire) or a permit acquired in one thread and released in another. A dead
 *    thread's record would then count permits that went into a queue or to another thread, and
 *    returning them would create permits out of thin air. So the first release by a thread holding
 *    fewer permits than it releases turns recovery off for good (RECOVERY_OFF_TRANSFER).
 *  - At most HOLDER_SLOTS threads can hold permits at once with recovery on; a thread that finds the
 *    table full turns recovery off for good (RECOVERY_OFF_FULL).
 *  - A thread terminated between its two steps of an acquire (record, then take) or a release (give
 *    back, then unrecord) leaves its record off by one; the order is chosen so that the error is one
 *    permit too many, never a permit lost for ever. BoundedSemaphore never exceeds its bound.
 *  - As for locks: only deaths the liveness table knows of (see liveness.ts), and nothing for a
 *    thread that is alive but stuck.
 *
 * Layout: docs/layouts/semaphore.md
 */
import { isThreadDead } from '../runtime/liveness.js';
import { SELF } from './lock-core.js';

/** Word indexes. */
export const VALUE = 0;
export const NWAITERS = 1;
export const BOUND = 2;
export const FLAGS = 3;
const TABLE = 4;
/** FLAGS bit: a thread released permits it did not hold; records no longer mean "held". */
export const RECOVERY_OFF_TRANSFER = 1;
/** FLAGS bit: more than HOLDER_SLOTS threads held permits at once. */
export const RECOVERY_OFF_FULL = 2;
/** HOLDER value while a recovering thread empties a dead thread's slot. */
const RECLAIMING = -1;
/**
 * Threads that may hold permits at once with recovery on. 30 slots fill the object to 256 bytes
 * (four cache lines); a semaphore is typically shared by a pool of workers, a few per core.
 */
export const HOLDER_SLOTS = 30;
/** The largest value a semaphore can hold (VALUE is an Int32). */
export const SEMAPHORE_MAX_VALUE = 0x7fffffff;

/** Bytes of shared memory a Semaphore (or BoundedSemaphore) occupies: the words and the table. */
export function semaphoreByteLength(): number {
  return (TABLE + 2 * HOLDER_SLOTS) * 4;
}

/**
 * Records one more permit held by this thread, and returns the slot hint to keep: `hint` (the slot
 * this view used last, checked here: still ours, or free again) or the slot now used. A thread may
 * end up with two slots (two views of one semaphore in one thread, each with its own hint);
 * unrecordPermits sums them, so that costs nothing but a slot.
 */
export function recordPermit(i32: Int32Array, hint: number): number {
  if (Atomics.load(i32, FLAGS) !== 0) return hint;
  if (hint >= 0) {
    const h = Atomics.load(i32, TABLE + 2 * hint);
    if (h === SELF || (h === 0 && Atomics.compareExchange(i32, TABLE + 2 * hint, 0, SELF) === 0)) {
      i32[TABLE + 2 * hint + 1]++;
      return hint;
    }
  }
  let s = ownSlot(i32, -1);
  for (let t = 0; s < 0 && t < HOLDER_SLOTS; t++) {
    if (Atomics.compareExchange(i32, TABLE + 2 * t, 0, SELF) === 0) s = t;
  }
  if (s < 0) {
    Atomics.or(i32, FLAGS, RECOVERY_OFF_FULL);
    return hint;
  }
  i32[TABLE + 2 * s + 1]++;
  return s;
}

/** The first slot after `after` that this thread owns, or -1. */
function ownSlot(i32: Int32Array, after: number): number {
  for (let s = after + 1; s < HOLDER_SLOTS; s++) if (Atomics.load(i32, TABLE + 2 * s) === SELF) return s;
  return -1;
}

/**
 * Records `n` permits given back by this thread (`hint` as in recordPermit); a slot that reaches 0
 * is freed. Releasing more than this thread holds means permits move between threads: recovery
 * goes off for good.
 */
export function unrecordPermits(i32: Int32Array, hint: number, n: number): void {
  if (Atomics.load(i32, FLAGS) !== 0) return;
  if (hint >= 0 && Atomics.load(i32, TABLE + 2 * hint) === SELF) {
    const held = i32[TABLE + 2 * hint + 1];
    if (held >= n) {
      i32[TABLE + 2 * hint + 1] = held - n;
      if (held === n) Atomics.store(i32, TABLE + 2 * hint, 0);
      return;
    }
  }
  let total = 0;
  for (let s = ownSlot(i32, -1); s >= 0; s = ownSlot(i32, s)) total += i32[TABLE + 2 * s + 1];
  if (total < n) {
    Atomics.or(i32, FLAGS, RECOVERY_OFF_TRANSFER);
    return;
  }
  for (let s = ownSlot(i32, -1); s >= 0 && n > 0; s = ownSlot(i32, s)) {
    const held = i32[TABLE + 2 * s + 1];
    const k = Math.min(held, n);
    n -= k;
    i32[TABLE + 2 * s + 1] = held - k;
    if (held === k) Atomics.store(i32, TABLE + 2 * s, 0);
  }
}

/** The thread id of the dead thread whose record is in slot `s`, or -1 (free, ours, or alive). */
export function deadHolder(i32: Int32Array, s: number): number {
  const h = Atomics.load(i32, TABLE + 2 * s);
  return h <= 0 || h === SELF || !isThreadDead(h - 1) ? -1 : h - 1;
}

/**
 * Empties slot `s`, whose record belongs to dead thread `dead`, and returns the permits it held;
 * 0 if another recoverer got there first.
 */
export function emptyDeadSlot(i32: Int32Array, s: number, dead: number): number {
  if (Atomics.compareExchange(i32, TABLE + 2 * s, dead + 1, RECLAIMING) !== dead + 1) return 0;
  // The slot is ours alone now: its thread is dead and other recoverers see RECLAIMING.
  const held = i32[TABLE + 2 * s + 1];
  i32[TABLE + 2 * s + 1] = 0;
  Atomics.store(i32, TABLE + 2 * s, 0);
  return held;
}

/** Adds `k` recovered permits to VALUE, never above the bound, and wakes waiters for them. */
export function giveBack(i32: Int32Array, bounded: boolean, k: number): void {
  const limit = bounded ? Atomics.load(i32, BOUND) : SEMAPHORE_MAX_VALUE;
  let v = Atomics.load(i32, VALUE);
  for (;;) {
    const add = Math.min(k, limit - v);
    if (add <= 0) return;
    const w = Atomics.compareExchange(i32, VALUE, v, v + add);
    if (w === v) {
      if (Atomics.load(i32, NWAITERS) > 0) Atomics.notify(i32, VALUE, add);
      return;
    }
    v = w;
  }
}
