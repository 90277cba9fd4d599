/**
 * The raw state machine of Condition (condition.ts): its waiter-slot table in shared memory, the
 * table's sizes, and the transitions on it (claim, park, cancel, notify, reap) as functions of the
 * object's Int32 view. The lock, the descriptor and the typed API are condition.ts's.
 *
 *
 * Layout (Condition.byteLength(capacity) = 8 + 12 * capacity bytes, Condition.ALIGNMENT = 4):
 *
 *   byte 0           Int32  NWAITING     slots in WAITING state (an upper bound, see below)
 *   byte 4           Int32  NEXT_TICKET  FIFO ticket of the next waiter (wraps)
 *   byte 8 + 12*i    Int32  slot i STATE   FREE 0 | WAITING 1 | NOTIFIED 2
 *   byte 12 + 12*i   Int32  slot i TICKET  the waiter's ticket (meaningful while WAITING)
 *   byte 16 + 12*i   Int32  slot i THREAD  the waiter's thread id (meaningful while WAITING)
 *
 *   all zero = no waiters (a valid initial state). The lock is a separate object (its own memory);
 *   the Condition's descriptor carries the lock's descriptor and `capacity`, so both revive together.
 *
 * The algorithm is CPython's Condition (Lib/threading.py: each waiter gets its own lock, appended to
 * a deque; notify(n) releases the first n of them and removes them from the deque; a waiter that
 * times out removes itself), with the deque and the per-waiter locks as slots in shared memory:
 *  - wait(), holding the lock: claim a FREE slot (FREE -> WAITING, ticket NEXT_TICKET++,
 *    NWAITING += 1), release the lock fully (lock._releaseSave), park on the slot's STATE word.
 *  - notify(n), holding the lock: take WAITING slots oldest ticket first and CAS each
 *    WAITING -> NOTIFIED (NWAITING -= 1, wake that one word) until n succeeded. Only a CAS that
 *    succeeded counts, so the return value is exactly the number of waiters woken, and a notify
 *    with nobody waiting changes nothing a later waiter could find.
 *  - a waiter that times out (or whose waitAsync is aborted) CASes its slot WAITING -> FREE
 *    (NWAITING -= 1). If that CAS fails, a notify got there first and counted it: the wait returns
 *    true (the notification is honoured, never lost).
 *  - either way the waiter frees its slot and re-acquires the lock (lock._acquireRestore, no time
 *    limit, as Python) before it returns, so a woken waiter always holds the lock again.
 * Only the lock holder turns FREE into WAITING or WAITING into NOTIFIED; the others' transitions
 * (WAITING -> FREE, NOTIFIED -> FREE) never start from FREE, so a slot seen FREE under the lock
 * stays free until claimed, and NWAITING, as a lock holder sees it, is never below the number of
 * WAITING slots (a timed-out waiter's CAS comes before its decrement).
 *
 * A notifier killed between its CAS to NOTIFIED and its Atomics.notify: the waiter wakes on its own
 * every SLOT_POLL_MS and finds NOTIFIED, so the notification is late by at most one poll, never lost.
 *
 * A waiter whose thread died while waiting (it can never consume a notification) is recognised by
 * notify through the liveness table (liveness.ts): its slot is freed and not counted. This covers
 * the same deaths the robust locks cover (watched workers, threads that ran their exit hooks).
 *
 * Capacity: the slot table has a fixed size (the `capacity` option, CONDITION_DEFAULT_CAPACITY);
 * a wait() that finds no FREE slot throws CapacityExceededError while still holding the lock.
 * Tickets are compared relative to NEXT_TICKET, so FIFO order holds while fewer than 2^31 waits
 * start during one waiter's wait.
 *
 * Layout: docs/layouts/condition.md
 */
import { CapacityExceededError, InvalidArgumentError, describe } from '../errors.js';
import { currentThreadId, isThreadDead } from '../runtime/liveness.js';
import { parkAsync, parkSync, spinWhileEqual } from '../runtime/wait.js';
import { ROBUST_POLL_MS } from './lock-core.js';

/** Int32 index of the count of WAITING slots. */
export const CONDITION_NWAITING = 0;
/** Int32 index of the next FIFO ticket. */
export const CONDITION_NEXT_TICKET = 1;
/** Int32 words before the first slot. */
export const CONDITION_HEADER_WORDS = 2;
/** Int32 words per waiter slot, and each word's index within a slot. */
export const CONDITION_SLOT_WORDS = 3;
export const SLOT_STATE = 0;
export const SLOT_TICKET = 1;
export const SLOT_THREAD = 2;
/** Slot states. */
export const FREE = 0;
export const WAITING = 1;
export const NOTIFIED = 2;
/** Waiter slots when no `capacity` is given: threads plus async tasks that may wait at once. */
export const CONDITION_DEFAULT_CAPACITY = 64;
/** Largest `capacity` (notify scans the table, so it should stay small). */
export const CONDITION_MAX_CAPACITY = 1 << 16;
/** Required alignment of a Condition's byteOffset. */
export const CONDITION_ALIGNMENT = 4;

/** Bytes a Condition with `capacity` waiter slots occupies. */
export function conditionByteLength(capacity: number = CONDITION_DEFAULT_CAPACITY): number {
  return (
    4 *
    (CONDITION_HEADER_WORDS +
      CONDITION_SLOT_WORDS * checkCapacity(capacity, 'Condition.byteLength: capacity', InvalidArgumentError))
  );
}

/** `capacity` if it is a valid slot count; otherwise throws an `E` that names `what`. */
export function checkCapacity(capacity: unknown, what: string, E: new (m: string) => Error): number {
  if (
    typeof capacity !== 'number' ||
    !Number.isInteger(capacity) ||
    capacity < 1 ||
    capacity > CONDITION_MAX_CAPACITY
  ) {
    throw new E(`${what} must be an integer from 1 to ${CONDITION_MAX_CAPACITY}, got ${describe(capacity)}`);
  }
  return capacity;
}

/**
 * Under the lock: claims a FREE slot as WAITING with the next ticket; returns its STATE index.
 * Throws CapacityExceededError (changing nothing) when all `capacity` slots are taken.
 */
export function enqueueSlot(i32: Int32Array, capacity: number, what: string): number {
  for (let i = 0, s = CONDITION_HEADER_WORDS; i < capacity; i++, s += CONDITION_SLOT_WORDS) {
    if (Atomics.compareExchange(i32, s + SLOT_STATE, FREE, WAITING) !== FREE) continue;
    Atomics.store(i32, s + SLOT_TICKET, Atomics.add(i32, CONDITION_NEXT_TICKET, 1));
    Atomics.store(i32, s + SLOT_THREAD, currentThreadId);
    Atomics.add(i32, CONDITION_NWAITING, 1);
    return s;
  }
  throw new CapacityExceededError(
    `${what}: all ${capacity} waiter slots of this Condition are taken; ` +
      'create it with a larger capacity (new Condition(lock, { capacity }))',
  );
}

/**
 * A parked waiter looks at its slot at least this often (ms): a notifier killed between its CAS
 * to NOTIFIED and its Atomics.notify leaves the waiter asleep on a word that already says
 * NOTIFIED, and nobody else will wake it. ROBUST_POLL_MS, as for a lock's dead owner.
 */
const SLOT_POLL_MS = ROBUST_POLL_MS;

/** Parks on the slot until notified (true) or the deadline (false, slot given up). */
export function parkSlotSync(i32: Int32Array, s: number, deadline: number): boolean {
  spinWhileEqual(i32, s + SLOT_STATE, WAITING);
  for (;;) {
    if (Atomics.load(i32, s + SLOT_STATE) === NOTIFIED) return cancelSlot(i32, s);
    const until = Math.min(deadline, performance.now() + SLOT_POLL_MS);
    if (parkSync(i32, s + SLOT_STATE, WAITING, until) === 'timed-out' && until === deadline) return cancelSlot(i32, s);
  }
}

/** parkSlotSync without blocking the thread; rejects with `signal.reason` on abort (slot still taken). */
export async function parkSlotAsync(
  i32: Int32Array,
  s: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (;;) {
    if (Atomics.load(i32, s + SLOT_STATE) === NOTIFIED) return cancelSlot(i32, s);
    const until = Math.min(deadline, performance.now() + SLOT_POLL_MS);
    if ((await parkAsync(i32, s + SLOT_STATE, WAITING, until, signal)) === 'timed-out' && until === deadline)
      return cancelSlot(i32, s);
  }
}

/**
 * Leaves the queue: WAITING -> FREE (not notified, false), or, if a notify won the race,
 * NOTIFIED -> FREE (true). The slot is free for the next waiter once this returns.
 */
export function cancelSlot(i32: Int32Array, s: number): boolean {
  if (Atomics.compareExchange(i32, s + SLOT_STATE, WAITING, FREE) === WAITING) {
    Atomics.sub(i32, CONDITION_NWAITING, 1);
    return false;
  }
  Atomics.store(i32, s + SLOT_STATE, FREE);
  return true;
}

/** Under the lock: NOTIFIES the n oldest WAITING slots; returns how many CASes succeeded. */
export function notifySlots(i32: Int32Array, capacity: number, n: number): number {
  // NWAITING is never below the WAITING slots a lock holder can see, so 0 means nobody waits.
  let expected = Atomics.load(i32, CONDITION_NWAITING);
  if (n === 0 || expected === 0) return 0;
  const slots: number[] = [];
  for (let i = 0, s = CONDITION_HEADER_WORDS; i < capacity && slots.length < expected; i++, s += CONDITION_SLOT_WORDS) {
    if (Atomics.load(i32, s + SLOT_STATE) !== WAITING) continue;
    if (isThreadDead(Atomics.load(i32, s + SLOT_THREAD))) {
      if (reapSlot(i32, s)) expected--;
      continue;
    }
    slots.push(s);
  }
  if (slots.length > n) {
    // Oldest first: tickets relative to the next one are negative, the oldest most negative.
    const next = Atomics.load(i32, CONDITION_NEXT_TICKET);
    const age = (s: number) => (Atomics.load(i32, s + SLOT_TICKET) - next) | 0;
    slots.sort((a, b) => age(a) - age(b));
  }
  let woken = 0;
  for (const s of slots) {
    if (woken === n) break;
    // A failed CAS: that waiter timed out meanwhile.
    if (Atomics.compareExchange(i32, s + SLOT_STATE, WAITING, NOTIFIED) !== WAITING) continue;
    Atomics.sub(i32, CONDITION_NWAITING, 1);
    Atomics.notify(i32, s + SLOT_STATE, 1);
    woken++;
  }
  return woken;
}

/** Frees the slot of a waiter whose thread died; false if it left by itself meanwhile. */
function reapSlot(i32: Int32Array, s: number): boolean {
  if (Atomics.compareExchange(i32, s + SLOT_STATE, WAITING, FREE) !== WAITING) return false;
  Atomics.sub(i32, CONDITION_NWAITING, 1);
  return true;
}
