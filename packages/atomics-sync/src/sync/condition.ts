/**
 * Condition: Python's `threading.Condition` over shared memory, with an exact notify(n).
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
import { CapacityExceededError, InvalidArgumentError, NotOwnerError, ReviveError, describe } from '../errors.js';
import { currentThreadId, isThreadDead } from '../runtime/liveness.js';
import { Lock } from './lock.js';
import { RLock } from './rlock.js';
import {
  allocateRegion,
  attachNew,
  checkRegion,
  defineShared,
  expectDescriptor,
  isSharedDescriptor,
  registerKind,
  type SharedDescriptor,
  type SharedRegion,
} from '../runtime/shared.js';
import {
  type WaitArg,
  assertCanBlock,
  deadlineFrom,
  parkAsync,
  parkSync,
  remaining,
  spinWhileEqual,
  throwIfAborted,
  waitArgs,
} from '../runtime/wait.js';

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

const KIND = 'Condition';

/** Bytes a Condition with `capacity` waiter slots occupies. */
export function conditionByteLength(capacity: number = CONDITION_DEFAULT_CAPACITY): number {
  return (
    4 *
    (CONDITION_HEADER_WORDS +
      CONDITION_SLOT_WORDS * checkCapacity(capacity, 'Condition.byteLength: capacity', InvalidArgumentError))
  );
}

function checkCapacity(capacity: unknown, what: string, E: new (m: string) => Error): number {
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

/** The locks a Condition can use. */
export type ConditionLock = Lock | RLock;

/** Where to put a Condition, and how many waiters it can hold. */
export interface ConditionOptions extends SharedRegion {
  /** Waiter slots (default CONDITION_DEFAULT_CAPACITY): how many threads/tasks may wait at once. */
  readonly capacity?: number;
}

/** A serialised Condition (what structured clone makes of one). */
export interface ConditionDescriptor extends SharedDescriptor {
  readonly __sabkit: 'Condition';
  readonly capacity: number;
  readonly lock: SharedDescriptor;
}

/** Passed by Condition.from as the constructor's hidden last argument: attach, do not initialise. */
const ATTACH = Symbol('Condition: attach');

/** Sentinel for "no abort happened" (an abort reason may be any value, even undefined). */
const NOT_ABORTED = Symbol('not aborted');

/**
 * Python's `threading.Condition(lock)`. Send it to a worker and call `Condition.from(value)` (or
 * `revive(value)`) there: its lock comes back with it.
 */
export class Condition {
  static readonly ALIGNMENT = CONDITION_ALIGNMENT;
  /** Bytes of a Condition with the default capacity. */
  static readonly BYTE_LENGTH = conditionByteLength(CONDITION_DEFAULT_CAPACITY);
  static readonly DEFAULT_CAPACITY = CONDITION_DEFAULT_CAPACITY;
  static readonly MAX_CAPACITY = CONDITION_MAX_CAPACITY;

  declare readonly __sabkit: 'Condition';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Number of waiter slots. */
  declare readonly capacity: number;
  /** The underlying lock (Python's `_lock`). */
  declare readonly lock: ConditionLock;
  readonly #i32: Int32Array;

  /**
   * @param lock the lock to use; default a new RLock, as in Python.
   * @param options `capacity` (waiter slots) and where to put the Condition (its bytes are
   *   initialised to "no waiters"; `Condition.from` attaches to a live one without initialising).
   */
  constructor(lock?: ConditionLock | null, options?: ConditionOptions);
  constructor(lock?: ConditionLock | null, options?: ConditionOptions, attach?: symbol) {
    const existing = attach === ATTACH;
    let buffer: SharedArrayBuffer, byteOffset: number, capacity: number;
    if (existing) {
      ({ buffer, byteOffset, capacity } = options as Required<ConditionOptions>);
    } else {
      if (lock !== undefined && lock !== null && !(lock instanceof Lock) && !(lock instanceof RLock)) {
        throw new InvalidArgumentError(
          `Condition: lock must be a Lock or an RLock (revive a received one with Lock.from / RLock.from first), got ${describe(lock)}`,
        );
      }
      if (options !== undefined && (typeof options !== 'object' || options === null)) {
        throw new InvalidArgumentError(
          `Condition: options must be an object ({ capacity?, buffer?, byteOffset? }) or undefined, got ${describe(options)}`,
        );
      }
      capacity = checkCapacity(
        options?.capacity ?? CONDITION_DEFAULT_CAPACITY,
        'Condition: capacity',
        InvalidArgumentError,
      );
      ({ buffer, byteOffset } = allocateRegion(KIND, conditionByteLength(capacity), CONDITION_ALIGNMENT, options));
      lock ??= new RLock();
    }
    defineShared(this, KIND, buffer, byteOffset);
    Object.defineProperty(this, 'capacity', { value: capacity, enumerable: true });
    Object.defineProperty(this, 'lock', { value: lock, enumerable: true });
    this.#i32 = new Int32Array(buffer, byteOffset, CONDITION_HEADER_WORDS + CONDITION_SLOT_WORDS * capacity);
    if (!existing) this.#i32.fill(0);
  }

  /**
   * Attaches to an existing Condition (its structured clone, or a live one) without initialising
   * it, reviving its lock too.
   */
  static from(value: unknown): Condition {
    const d = expectDescriptor<ConditionDescriptor>(value, KIND);
    const capacity = checkCapacity(d.capacity, 'Condition.from(value): value.capacity', ReviveError);
    checkRegion(KIND, d.buffer, d.byteOffset, conditionByteLength(capacity), CONDITION_ALIGNMENT);
    const lock = reviveLock(d.lock);
    return attachNew(Condition, lock, { buffer: d.buffer, byteOffset: d.byteOffset, capacity }, ATTACH);
  }

  /** Bytes a Condition with `capacity` waiter slots occupies (to place it in your own buffer). */
  static byteLength(capacity?: number): number {
    return conditionByteLength(capacity);
  }

  /** Acquires the underlying lock, with the lock's timeout rule (see Lock.acquire / RLock.acquire). */
  acquire(timeout?: number | null): boolean {
    return this.lock.acquire(timeout);
  }

  /** Acquires the underlying lock without blocking the event loop (see Lock.acquireAsync). */
  acquireAsync(wait?: WaitArg): Promise<boolean> {
    return this.lock.acquireAsync(wait);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.lock.release();
  }

  /**
   * Releases the lock, blocks until notified or `timeout` ms pass, re-acquires the lock, and
   * returns true if notified, false on timeout (Python's `wait`; a negative timeout does not wait,
   * and still releases and re-acquires the lock). The caller must hold the lock (NotOwnerError
   * otherwise). If the lock is re-taken from a dead owner, OwnerDeadError is thrown with the lock
   * held. Workers only; on a thread that may not block use `waitAsync`.
   */
  wait(timeout?: number | null): boolean {
    const deadline = deadlineFrom(timeout, 'Condition.wait: timeout', 'python');
    assertCanBlock('Condition.wait');
    const slot = this.#enqueue('Condition.wait');
    const saved = this.lock._releaseSave();
    let notified = false;
    let settled = false;
    try {
      notified = this.#parkSync(slot, deadline);
      settled = true;
    } finally {
      if (!settled) notified = this.#cancel(slot);
      this.lock._acquireRestore(saved);
    }
    return notified;
  }

  /**
   * `wait` without blocking the event loop. If `signal` aborts first, the waiter leaves the queue,
   * re-acquires the lock, and the promise rejects with `signal.reason`, unless a notify had already
   * chosen it: then it resolves true (a notification counted by notify is never dropped). Either
   * way the lock is held again when the promise settles. `wait`: wait()'s timeout or `{ timeout, signal }`.
   */
  async waitAsync(wait?: WaitArg): Promise<boolean> {
    const [deadline, signal] = waitArgs(wait, 'Condition.waitAsync');
    throwIfAborted(signal);
    const slot = this.#enqueue('Condition.waitAsync');
    const saved = this.lock._releaseSave();
    let notified = false;
    let reason: unknown = NOT_ABORTED;
    try {
      notified = await this.#parkAsync(slot, deadline, signal);
    } catch (e) {
      reason = e;
      notified = this.#cancel(slot);
    }
    await this.lock._acquireRestoreAsync(saved);
    if (reason !== NOT_ABORTED && !notified) throw reason;
    return notified;
  }

  /**
   * Waits until `predicate()` is truthy, re-checking it after every wake-up, for at most `timeout`
   * ms in all. Returns the predicate's last value (Python's `wait_for`): falsy means timed out.
   */
  waitFor<T>(predicate: () => T, timeout?: number | null): T {
    this.#checkPredicate(predicate, 'Condition.waitFor');
    const deadline = deadlineFrom(timeout, 'Condition.waitFor: timeout', 'python');
    let result = predicate();
    while (!result) {
      const ms = remaining(deadline);
      if (ms === 0) break;
      this.wait(ms);
      result = predicate();
    }
    return result;
  }

  /** `waitFor` without blocking the event loop; `wait` (timeout or `{ timeout, signal }`) as in `waitAsync`. */
  async waitForAsync<T>(predicate: () => T, wait?: WaitArg): Promise<T> {
    this.#checkPredicate(predicate, 'Condition.waitForAsync');
    const [deadline, signal] = waitArgs(wait, 'Condition.waitForAsync');
    let result = predicate();
    while (!result) {
      const ms = remaining(deadline);
      if (ms === 0) break;
      await this.waitAsync({ timeout: ms, signal });
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes the `n` longest-waiting waiters (all of them if fewer wait) and returns how many it woke:
   * exactly min(n, waiting). The caller must hold the lock. Woken waiters return from wait() once
   * they get the lock back, so not before the caller releases it.
   */
  notify(n = 1): number {
    if (typeof n !== 'number' || !(Number.isInteger(n) || n === Infinity) || n < 0) {
      throw new InvalidArgumentError(
        `Condition.notify: n must be a non-negative integer or Infinity, got ${describe(n)}`,
      );
    }
    this.#checkOwned('Condition.notify', 'notify on');
    return this.#notify(n);
  }

  /** Wakes every waiter; returns how many (Python's `notify_all`). The caller must hold the lock. */
  notifyAll(): number {
    this.#checkOwned('Condition.notifyAll', 'notify on');
    return this.#notify(Infinity);
  }

  toString(): string {
    return `<Condition(${String(this.lock)}, ${Atomics.load(this.#i32, CONDITION_NWAITING)} waiting)>`;
  }

  #checkOwned(what: string, verb: string): void {
    if (!this.lock._isOwned())
      throw new NotOwnerError(
        `${what}: cannot ${verb} an un-acquired lock (this thread must hold the Condition's lock)`,
      );
  }

  #checkPredicate(predicate: unknown, what: string): void {
    if (typeof predicate !== 'function')
      throw new InvalidArgumentError(`${what}: predicate must be a function, got ${describe(predicate)}`);
  }

  /** Under the lock: claims a FREE slot as WAITING with the next ticket; returns its STATE index. */
  #enqueue(what: string): number {
    this.#checkOwned(what, 'wait on');
    const i32 = this.#i32;
    for (let i = 0, s = CONDITION_HEADER_WORDS; i < this.capacity; i++, s += CONDITION_SLOT_WORDS) {
      if (Atomics.compareExchange(i32, s + SLOT_STATE, FREE, WAITING) !== FREE) continue;
      Atomics.store(i32, s + SLOT_TICKET, Atomics.add(i32, CONDITION_NEXT_TICKET, 1));
      Atomics.store(i32, s + SLOT_THREAD, currentThreadId);
      Atomics.add(i32, CONDITION_NWAITING, 1);
      return s;
    }
    throw new CapacityExceededError(
      `${what}: all ${this.capacity} waiter slots of this Condition are taken; create it with a larger capacity (new Condition(lock, { capacity }))`,
    );
  }

  /** Parks on the slot until notified (true) or the deadline (false, slot given up). */
  #parkSync(s: number, deadline: number): boolean {
    const i32 = this.#i32;
    spinWhileEqual(i32, s + SLOT_STATE, WAITING);
    for (;;) {
      if (Atomics.load(i32, s + SLOT_STATE) === NOTIFIED) return this.#cancel(s);
      if (parkSync(i32, s + SLOT_STATE, WAITING, deadline) === 'timed-out') return this.#cancel(s);
    }
  }

  async #parkAsync(s: number, deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    const i32 = this.#i32;
    for (;;) {
      if (Atomics.load(i32, s + SLOT_STATE) === NOTIFIED) return this.#cancel(s);
      if ((await parkAsync(i32, s + SLOT_STATE, WAITING, deadline, signal)) === 'timed-out') return this.#cancel(s);
    }
  }

  /**
   * Leaves the queue: WAITING -> FREE (not notified, false), or, if a notify won the race,
   * NOTIFIED -> FREE (true). The slot is free for the next waiter once this returns.
   */
  #cancel(s: number): boolean {
    const i32 = this.#i32;
    if (Atomics.compareExchange(i32, s + SLOT_STATE, WAITING, FREE) === WAITING) {
      Atomics.sub(i32, CONDITION_NWAITING, 1);
      return false;
    }
    Atomics.store(i32, s + SLOT_STATE, FREE);
    return true;
  }

  /** Under the lock: NOTIFIES the n oldest WAITING slots; returns how many CASes succeeded. */
  #notify(n: number): number {
    const i32 = this.#i32;
    // NWAITING is never below the WAITING slots a lock holder can see, so 0 means nobody waits.
    let expected = Atomics.load(i32, CONDITION_NWAITING);
    if (n === 0 || expected === 0) return 0;
    const slots: number[] = [];
    for (
      let i = 0, s = CONDITION_HEADER_WORDS;
      i < this.capacity && slots.length < expected;
      i++, s += CONDITION_SLOT_WORDS
    ) {
      if (Atomics.load(i32, s + SLOT_STATE) !== WAITING) continue;
      if (isThreadDead(Atomics.load(i32, s + SLOT_THREAD))) {
        if (this.#reap(s)) expected--;
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
      if (Atomics.compareExchange(i32, s + SLOT_STATE, WAITING, NOTIFIED) !== WAITING) continue; // timed out meanwhile
      Atomics.sub(i32, CONDITION_NWAITING, 1);
      Atomics.notify(i32, s + SLOT_STATE, 1);
      woken++;
    }
    return woken;
  }

  /** Frees the slot of a waiter whose thread died; false if it left by itself meanwhile. */
  #reap(s: number): boolean {
    if (Atomics.compareExchange(this.#i32, s + SLOT_STATE, WAITING, FREE) !== WAITING) return false;
    Atomics.sub(this.#i32, CONDITION_NWAITING, 1);
    return true;
  }
}

function reviveLock(lock: unknown): ConditionLock {
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  if (isSharedDescriptor(lock)) {
    if (lock.__sabkit === 'Lock') return Lock.from(lock);
    if (lock.__sabkit === 'RLock') return RLock.from(lock);
  }
  throw new ReviveError(`Condition.from(value): value.lock must be a serialised Lock or RLock, got ${describe(lock)}`);
}

registerKind(KIND, (d) => Condition.from(d));
