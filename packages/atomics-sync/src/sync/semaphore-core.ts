/**
 * The raw state machine of Semaphore (semaphore.ts) and BoundedSemaphore (bounded-semaphore.ts):
 * the words, and the holder table that makes dead holders' permits recoverable, as functions of
 * the object's Int32 view. Acquiring, waiting and releasing are semaphore.ts's.
 *
 *
 * Layout (Semaphore.BYTE_LENGTH = 256 bytes, ALIGNMENT = 4), Int32 words:
 *
 *   word 0   VALUE         permits available (>= 0). Waiters park on it while it is 0.
 *   word 1   NWAITERS      acquirers in the slow path; release notifies only when it is > 0
 *   word 2   INITIAL       the value the semaphore was made with. BoundedSemaphore: VALUE's bound.
 *                          Both: while recovery is on, VALUE + the permits held add up to it.
 *   word 3   FLAGS         RECOVERY_OFF_TRANSFER | RECOVERY_OFF_FULL (sticky, shown by `recovery`):
 *                          holder records no longer mean anything, nothing is recovered
 *   word 4   RECOVER_LOCK  a robust lock word (lock-core.ts) held by the one thread recovering
 *   word 5   (reserved, 0)
 *   words 6 + 2*s, 7 + 2*s, for s < HOLDER_SLOTS: the holder table
 *            HOLDER[s]  0 = free slot, T = thread T-1's record (one slot per thread)
 *            HELD[s]    bits 0..19 COUNT: permits that thread holds; bits 20..29 SEQ: bumped by
 *                       each of its operations; bit 30 BUSY: inside an operation (between marking
 *                       its record and changing VALUE and the count). Only its thread writes it
 *                       while it lives (atomic stores); a recoverer empties it once it is dead.
 *
 * All-zero memory is a Semaphore with value 0 (and an empty table).
 *
 * Acquire: one CAS decrements VALUE when it is > 0; otherwise the acquirer counts itself in
 * NWAITERS, spins briefly, then parks on VALUE == 0. Release adds to VALUE, then wakes up to n
 * parked waiters if NWAITERS says there are any (both sides use sequentially consistent
 * atomics, so either the waiter sees the new value or the releaser sees the waiter). No order
 * among waiters is promised (as in Python); Atomics.notify wakes the longest parked first.
 *
 * Robustness: permits held by a thread that dies. Every acquire and release by a thread is
 * bracketed in its slot: mark BUSY (and bump SEQ), change VALUE, store the new COUNT without BUSY.
 * A thread killed inside that bracket leaves a COUNT that may be off by one, and no one can tell
 * from its slot which way. So recovery does not trust dead slots at all: it counts by conservation.
 * While recovery is on, INITIAL = VALUE + (permits held by live threads) + (permits of dead ones):
 * the recoverer (holding RECOVER_LOCK, so one at a time) reads the table, VALUE, and the table
 * again, and accepts the snapshot only if no live slot changed (SEQ, BUSY, COUNT, HOLDER) in between
 * and none was BUSY: every live count was then exact at the moment VALUE was read. The permits of
 * the dead are INITIAL - VALUE - the live counts, exactly, whatever instant the dead died at. It
 * frees the dead slots, keeps one permit (its acquire throws OwnerDeadError: it holds it, as after a
 * Lock takeover), and adds the rest to VALUE. A recoverer killed half-way leaves the sum true for
 * the next one. So recovery never creates a permit (a Semaphore(1) used as a mutex stays one) and
 * never loses one. Permits of dead holders are returned when someone needs them (an acquirer that
 * finds VALUE at 0, before parking and every ROBUST_POLL_MS while parked), not before.
 *
 * What recovery covers, and what it cannot (and then says so: `Semaphore.recovery`):
 *  - It covers threads that acquire permits and release them themselves (a semaphore guarding a
 *    resource).
 *  - It cannot cover a semaphore whose permits move between threads: a signal counter (producers
 *    release, consumers acquire) or a permit acquired in one thread and released in another. The
 *    sum above no longer holds, so the first release by a thread holding fewer permits than it
 *    releases turns recovery off for good (RECOVERY_OFF_TRANSFER, `recovery` = 'off-transfer').
 *  - At most HOLDER_SLOTS threads can hold permits at once with recovery on (and 2^20 - 1 permits
 *    each); past that it turns off for good (RECOVERY_OFF_FULL, `recovery` = 'off-full').
 *  - As for locks: only deaths the liveness table knows of (see liveness.ts), and nothing for a
 *    thread that is alive but stuck.
 *
 * Layout: docs/layouts/semaphore.md
 */
import { isThreadDead } from '../runtime/liveness.js';
import { SELF, TIMED_OUT, tryLockOnce, unlockSlow } from './lock-core.js';

/** Word indexes. */
export const VALUE = 0;
export const NWAITERS = 1;
export const INITIAL = 2;
export const FLAGS = 3;
export const RECOVER_LOCK = 4;
const TABLE = 6;
/** FLAGS bit: a thread released permits it did not hold; records no longer mean "held". */
export const RECOVERY_OFF_TRANSFER = 1;
/** FLAGS bit: more than HOLDER_SLOTS threads held permits at once (or one held 2^20 - 1). */
export const RECOVERY_OFF_FULL = 2;
/** HELD bits: the count, the operation sequence, and BUSY (inside an operation). */
export const HELD_COUNT_MASK = 0xfffff;
export const HELD_SEQ_ONE = 1 << 20;
const HELD_SEQ_MASK = 0x3ff << 20;
export const HELD_BUSY = 1 << 30;
/**
 * Threads that may hold permits at once with recovery on. 29 slots fill the object to 256 bytes
 * (four cache lines) with the six words; a semaphore is typically shared by a pool of workers, a few
 * per core.
 */
export const HOLDER_SLOTS = 29;
/** The largest value a semaphore can hold (VALUE is an Int32). */
export const SEMAPHORE_MAX_VALUE = 0x7fffffff;

/** Bytes of shared memory a Semaphore (or BoundedSemaphore) occupies: the words and the table. */
export function semaphoreByteLength(): number {
  return (TABLE + 2 * HOLDER_SLOTS) * 4;
}

/** What `Semaphore.recovery` reports. */
export type SemaphoreRecovery = 'on' | 'off-transfer' | 'off-full';

export function recoveryOf(i32: Int32Array): SemaphoreRecovery {
  const f = Atomics.load(i32, FLAGS);
  return f === 0 ? 'on' : f & RECOVERY_OFF_TRANSFER ? 'off-transfer' : 'off-full';
}

/** The slot this thread owns (`hint` checked first), or -1. A thread owns at most one. */
function ownSlot(i32: Int32Array, hint: number): number {
  if (hint >= 0 && Atomics.load(i32, TABLE + 2 * hint) === SELF) return hint;
  for (let s = 0; s < HOLDER_SLOTS; s++) if (Atomics.load(i32, TABLE + 2 * s) === SELF) return s;
  return -1;
}

function markBusy(i32: Int32Array, s: number): void {
  const w = i32[TABLE + 2 * s + 1];
  Atomics.store(i32, TABLE + 2 * s + 1, ((w + HELD_SEQ_ONE) & (HELD_SEQ_MASK | HELD_COUNT_MASK)) | HELD_BUSY);
}

/**
 * Begins an acquire: returns this thread's slot, marked BUSY (claimed if it had none), or -1 when
 * recovery is off (then nothing is tracked). A full table or count turns recovery off.
 */
export function beginTake(i32: Int32Array, hint: number): number {
  if (Atomics.load(i32, FLAGS) !== 0) return -1;
  let s = ownSlot(i32, hint);
  // Claim only when this thread owns no slot: one slot per thread keeps the table's sum exact.
  for (let t = 0; s < 0 && t < HOLDER_SLOTS; t++) {
    if (Atomics.compareExchange(i32, TABLE + 2 * t, 0, SELF) === 0) s = t;
  }
  if (s < 0 || (i32[TABLE + 2 * s + 1] & HELD_COUNT_MASK) === HELD_COUNT_MASK) {
    Atomics.or(i32, FLAGS, RECOVERY_OFF_FULL);
    return -1;
  }
  markBusy(i32, s);
  return s;
}

/**
 * Begins a release of `n`: this thread's slot marked BUSY, or -1 when recovery is off. A thread
 * releasing more than it holds turns recovery off for good, before VALUE changes.
 */
export function beginGive(i32: Int32Array, hint: number, n: number): number {
  if (Atomics.load(i32, FLAGS) !== 0) return -1;
  const s = ownSlot(i32, hint);
  if (s < 0 || (i32[TABLE + 2 * s + 1] & HELD_COUNT_MASK) < n) {
    Atomics.or(i32, FLAGS, RECOVERY_OFF_TRANSFER);
    return -1;
  }
  markBusy(i32, s);
  return s;
}

/** Ends an operation begun on slot `s`: COUNT += delta, BUSY cleared; a slot at 0 is freed. */
export function endOp(i32: Int32Array, s: number, delta: number): void {
  if (s < 0) return;
  const w = i32[TABLE + 2 * s + 1];
  const count = (w & HELD_COUNT_MASK) + delta;
  Atomics.store(i32, TABLE + 2 * s + 1, (w & HELD_SEQ_MASK) | count);
  if (count === 0) Atomics.store(i32, TABLE + 2 * s, 0);
}

/** The thread id of the first dead thread with a record, or -1. */
export function firstDeadHolder(i32: Int32Array): number {
  for (let s = 0; s < HOLDER_SLOTS; s++) {
    const h = Atomics.load(i32, TABLE + 2 * s);
    if (h > 0 && h !== SELF && isThreadDead(h - 1)) return h - 1;
  }
  return -1;
}

/** Snapshot attempts before a recoverer gives up for this poll (live threads kept changing slots). */
const SNAPSHOT_TRIES = 64;
const snapA = new Int32Array(2 * HOLDER_SLOTS);
const snapB = new Int32Array(2 * HOLDER_SLOTS);

function collect(i32: Int32Array, into: Int32Array): void {
  for (let k = 0; k < 2 * HOLDER_SLOTS; k++) into[k] = Atomics.load(i32, TABLE + k);
}

/**
 * VALUE at an instant when every live slot was exactly as in snapA (see the file's comment), or
 * -1 if no such instant was seen in SNAPSHOT_TRIES attempts.
 */
function snapshot(i32: Int32Array): number {
  for (let t = 0; t < SNAPSHOT_TRIES; t++) {
    collect(i32, snapA);
    const v = Atomics.load(i32, VALUE);
    collect(i32, snapB);
    let ok = true;
    for (let k = 0; ok && k < 2 * HOLDER_SLOTS; k += 2) {
      const h = snapA[k];
      if (h !== snapB[k] || snapA[k + 1] !== snapB[k + 1]) ok = false;
      else if (h > 0 && (snapA[k + 1] & HELD_BUSY) !== 0 && !isThreadDead(h - 1)) ok = false;
    }
    if (ok) return v;
  }
  return -1;
}

/**
 * Recovers the permits of dead holders, if any: frees their slots, keeps one for this thread
 * (recorded in its slot, which is returned in `out.slot`) and gives the rest back to VALUE, waking
 * waiters. Returns the dead thread's id (one of them), or TIMED_OUT if nothing was recovered now
 * (no dead holder, another thread is recovering, recovery is off, or no stable snapshot: retried
 * at the next poll).
 */
export function recoverDead(i32: Int32Array, out: { slot: number }): number {
  const dead = firstDeadHolder(i32);
  if (dead < 0) return TIMED_OUT;
  if (tryLockOnce(i32, RECOVER_LOCK) === TIMED_OUT) return TIMED_OUT; // a dead recoverer is taken over
  try {
    if (Atomics.load(i32, FLAGS) !== 0) return TIMED_OUT;
    const v = snapshot(i32);
    if (v < 0) return TIMED_OUT;
    // One verdict per slot: a thread counted live must not be freed as dead a moment later.
    let live = 0;
    for (let k = 0; k < 2 * HOLDER_SLOTS; k += 2) {
      const h = snapA[k];
      if (h <= 0) continue;
      if (h !== SELF && isThreadDead(h - 1)) {
        // Dead: its thread cannot touch the slot again; free it (its permits are in `missing`).
        Atomics.store(i32, TABLE + k + 1, 0);
        Atomics.compareExchange(i32, TABLE + k, h, 0);
      } else {
        live += snapA[k + 1] & HELD_COUNT_MASK;
      }
    }
    const missing = Atomics.load(i32, INITIAL) - v - live;
    if (missing <= 0 || Atomics.load(i32, FLAGS) !== 0) return TIMED_OUT;
    const s = beginTake(i32, out.slot);
    if (s >= 0) out.slot = s;
    // Concurrent acquires and releases keep the sum, so `missing` is still what nobody holds.
    if (missing > 1) Atomics.add(i32, VALUE, missing - 1);
    endOp(i32, s, 1);
    if (missing > 1 && Atomics.load(i32, NWAITERS) > 0) Atomics.notify(i32, VALUE, missing - 1);
    return dead;
  } finally {
    unlockSlow(i32, RECOVER_LOCK);
  }
}
