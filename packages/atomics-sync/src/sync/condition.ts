/**
 * Condition: Python's `threading.Condition` over shared memory, with an exact notify(n).
 *
 * Layout (Condition.byteLength(capacity) = 8 + 12 * capacity bytes, Condition.ALIGNMENT = 4): a
 * header (waiting count, next FIFO ticket) and `capacity` waiter slots (state, ticket, thread),
 * drawn and driven in condition-core.ts. All zero = no waiters. The lock is a separate object (its
 * own memory); the Condition's descriptor carries the lock's descriptor and `capacity`, so both
 * revive together.
 *
 * The algorithm is CPython's Condition (Lib/threading.py), with the deque of per-waiter locks as
 * slots in shared memory: wait() claims a slot and parks on it, notify(n) wakes exactly the n
 * oldest, a waiter that times out leaves by itself, and a woken waiter always holds the lock again
 * when it returns (condition-core.ts has the transitions and why no notification is lost).
 *
 * Layout: docs/layouts/condition.md
 */
import { InvalidArgumentError, NotOwnerError, ReviveError, describe } from '../errors.js';
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
import { type WaitArg, assertCanBlock, deadlineFrom, remaining, throwIfAborted, waitArgs } from '../runtime/wait.js';
import {
  CONDITION_ALIGNMENT,
  CONDITION_DEFAULT_CAPACITY,
  CONDITION_HEADER_WORDS,
  CONDITION_MAX_CAPACITY,
  CONDITION_NWAITING,
  CONDITION_SLOT_WORDS,
  cancelSlot,
  checkCapacity,
  conditionByteLength,
  enqueueSlot,
  notifySlots,
  parkSlotAsync,
  parkSlotSync,
} from './condition-core.js';

const KIND = 'Condition';

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
          'Condition: lock must be a Lock or an RLock (revive a received one with Lock.from / RLock.from first), ' +
            `got ${describe(lock)}`,
        );
      }
      if (options !== undefined && (typeof options !== 'object' || options === null)) {
        throw new InvalidArgumentError(
          'Condition: options must be an object ({ capacity?, buffer?, byteOffset? }) or undefined, ' +
            `got ${describe(options)}`,
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
      notified = parkSlotSync(this.#i32, slot, deadline);
      settled = true;
    } finally {
      if (!settled) notified = cancelSlot(this.#i32, slot);
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
      notified = await parkSlotAsync(this.#i32, slot, deadline, signal);
    } catch (e) {
      reason = e;
      notified = cancelSlot(this.#i32, slot);
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
    return notifySlots(this.#i32, this.capacity, n);
  }

  /** Wakes every waiter; returns how many (Python's `notify_all`). The caller must hold the lock. */
  notifyAll(): number {
    this.#checkOwned('Condition.notifyAll', 'notify on');
    return notifySlots(this.#i32, this.capacity, Infinity);
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
    return enqueueSlot(this.#i32, this.capacity, what);
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
