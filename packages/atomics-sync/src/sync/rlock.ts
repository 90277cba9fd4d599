/**
 * RLock: Python's `threading.RLock` over shared memory. The thread that holds it may acquire it
 * again; it is free once that thread has released it as many times as it acquired it. Only the
 * owner may release (NotOwnerError otherwise, also when nobody holds it, as Python raises
 * RuntimeError for both).
 *
 * Layout (RLock.BYTE_LENGTH = 8 bytes, RLock.ALIGNMENT = 4), two Int32 words:
 *
 *   offset 0  STATE   the lock word of lock-core.ts: OWNER (threadId + 1) | PARKED | STARVING
 *   offset 4  COUNT   recursion depth; read and written only by the owner, with plain
 *                     (non-atomic) accesses: the owner's STATE compare-exchanges order them
 *                     (the next owner's CAS synchronises with the previous owner's release CAS)
 *
 * All-zero memory is a free RLock.
 *
 * "Thread" is a thread: async code on one thread (several acquireAsync callers on the main
 * thread) shares that thread's ownership, as Python's RLock is per thread, not per task.
 *
 * Robustness: as Lock (see lock.ts). After a takeover from a dead owner, the new owner holds the
 * lock at depth 1 (depth restored by _acquireRestore) and its acquire throws OwnerDeadError.
 *
 * Layout: docs/layouts/rlock.md
 */
import { InvalidArgumentError, NotOwnerError, describe } from '../errors.js';
import {
  type SharedDescriptor,
  type SharedRegion,
  allocateRegion,
  attachNew,
  checkRegion,
  defineShared,
  expectDescriptor,
  registerKind,
} from '../runtime/shared.js';
import {
  type WaitArg,
  assertCanBlock,
  checkSignal,
  deadlineAfter,
  throwIfAborted,
  timeoutMs,
  waitArgs,
} from '../runtime/wait.js';
import {
  ACQUIRED,
  OWNER_MASK,
  TIMED_OUT,
  assertOwnerIdFits,
  heldBySelf,
  lockSlowAsync,
  lockSlowSync,
  tryLockFast,
  tryLockOnce,
  unlockFast,
  unlockSlow,
} from './lock-core.js';
import { ownerDeadError } from './lock.js';
import { type OwnerDeadHandler, checkOwnerDeadHandler, withLockAsync, withLockSync } from './scoped.js';

const KIND = 'RLock';
/** Word indexes in the object's Int32 view. */
const STATE = 0;
const COUNT = 1;
/** Deepest recursion: COUNT is an Int32. */
export const RLOCK_MAX_DEPTH = 0x7fffffff;

/** Passed by RLock.from as the constructor's hidden last argument: attach, do not initialise. */
const ATTACH = Symbol('RLock: attach');

/**
 * Python's `threading.RLock` in shared memory: the holding thread may acquire it again (up to
 * `RLOCK_MAX_DEPTH`) and must release it as many times. Timeouts in ms as `Lock`'s (`false` on
 * timeout); `release()` by a thread that does not hold it throws `NotOwnerError`; a dead
 * holder gives the next acquirer `OwnerDeadError`. Revive a clone with `RLock.from`.
 */
export class RLock {
  /** Bytes of shared memory an RLock occupies. */
  static readonly BYTE_LENGTH = 8;
  /** Required alignment of its byteOffset. */
  static readonly ALIGNMENT = 4;

  declare readonly __sabkit: 'RLock';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Set by a takeover, cleared by the release that frees the lock (see ownerDied). */
  #tookOver = false;
  #onOwnerDead: OwnerDeadHandler | undefined;
  readonly #i32: Int32Array;

  /** A new free RLock in its own memory, or in `region` (which it initialises). */
  constructor(region?: SharedRegion);
  constructor(region?: SharedRegion, attach?: symbol) {
    assertOwnerIdFits(KIND);
    const existing = attach === ATTACH;
    const { buffer, byteOffset } = existing
      ? (region as SharedDescriptor)
      : allocateRegion(KIND, RLock.BYTE_LENGTH, RLock.ALIGNMENT, region);
    defineShared(this, KIND, buffer, byteOffset);
    this.#i32 = new Int32Array(buffer, byteOffset, 2);
    if (!existing) {
      this.#i32[COUNT] = 0;
      Atomics.store(this.#i32, STATE, 0);
    }
  }

  /** Makes an RLock that travelled through postMessage / workerData live again, over the same memory. */
  static from(value: unknown): RLock {
    const d = expectDescriptor<SharedDescriptor>(value, KIND);
    checkRegion(KIND, d.buffer, d.byteOffset, RLock.BYTE_LENGTH, RLock.ALIGNMENT);
    return attachNew(RLock, d, ATTACH);
  }

  /**
   * Acquires (or re-enters) the lock, waiting at most `timeout` ms (undefined, null, -1, Infinity:
   * no limit; another negative value is InvalidArgumentError, as in Python). Returns false on
   * timeout. OwnerDeadError after taking over from a dead owner (held).
   */
  acquire(timeout?: number | null): boolean {
    const ms = timeout === undefined ? Infinity : timeoutMs(timeout, 'RLock.acquire: timeout', 'lock');
    // Re-entry first: it is a plain load, while a compare-exchange on a word this thread holds
    // fails anyway and takes the cache line exclusive, from a waiter that may be reading it.
    if (this.#reenter()) return true;
    if (tryLockFast(this.#i32, STATE)) return this.#first(1);
    if (ms !== 0) assertCanBlock('RLock.acquire');
    return this.#settle(lockSlowSync(this.#i32, STATE, deadlineAfter(ms)), 1, 'RLock.acquire');
  }

  /** Acquires or re-enters only if no waiting is needed. */
  tryAcquire(): boolean {
    if (this.#reenter()) return true;
    if (tryLockFast(this.#i32, STATE)) return this.#first(1);
    return this.#settle(tryLockOnce(this.#i32, STATE), 1, 'RLock.tryAcquire');
  }

  /**
   * Acquires without blocking the thread; `wait` is acquire's timeout or `{ timeout, signal }`.
   * Rejects with `signal.reason` on abort (not held).
   */
  async acquireAsync(wait?: WaitArg): Promise<boolean> {
    const [deadline, signal] = waitArgs(wait, 'RLock.acquireAsync', 'lock');
    throwIfAborted(signal);
    if (this.#reenter()) return true;
    if (tryLockFast(this.#i32, STATE)) return this.#first(1);
    return this.#settle(await lockSlowAsync(this.#i32, STATE, deadline, signal), 1, 'RLock.acquireAsync');
  }

  /** Releases one level. NotOwnerError unless this thread holds it. */
  release(): void {
    if (!heldBySelf(this.#i32, STATE)) {
      throw new NotOwnerError('RLock.release: cannot release an RLock this thread does not hold');
    }
    const depth = this.#i32[COUNT];
    if (depth > 1) {
      this.#i32[COUNT] = depth - 1;
      return;
    }
    this.#tookOver = false;
    this.#releaseAll();
  }

  /** Whether some thread holds it. Racy: stale as soon as it returns. */
  locked(): boolean {
    return (Atomics.load(this.#i32, STATE) & OWNER_MASK) !== 0;
  }

  /** Whether this thread holds it. Exact for this thread (only this thread can change that answer). */
  isOwned(): boolean {
    return heldBySelf(this.#i32, STATE);
  }

  /** This thread's recursion depth (0 if it does not hold the lock). */
  get depth(): number {
    return this.isOwned() ? this.#i32[COUNT] : 0;
  }

  /**
   * Runs fn holding the lock (re-entrantly) and releases one level however fn ends. After a
   * takeover from a dead owner, as Lock.withLock: this handle's `onOwnerDead` repairs first, or
   * OwnerDeadError.
   */
  withLock<T>(fn: () => T, timeout?: number | null): T {
    // The common call (no timeout, free lock) in line: Python's `with v.get_lock(): v.value += 1`
    // is this plus the cell access, so withLockSync's checks and frames were a third of its cost.
    // A free word cannot have been left by a dead owner, so there is no takeover to repair here.
    if (timeout === undefined && typeof fn === 'function' && tryLockFast(this.#i32, STATE)) {
      this.#i32[COUNT] = 1;
      try {
        return fn();
      } finally {
        this.release();
      }
    }
    return withLockSync(this, 'RLock.withLock', fn, timeout);
  }

  /** Async form of withLock. */
  withLockAsync<T>(fn: () => Promise<T> | T, wait?: WaitArg): Promise<T> {
    return withLockAsync(this, 'RLock.withLockAsync', fn, wait);
  }

  /** The repair withLock runs after a takeover (as Lock.onOwnerDead). */
  get onOwnerDead(): OwnerDeadHandler | undefined {
    return this.#onOwnerDead;
  }
  set onOwnerDead(h: OwnerDeadHandler | null | undefined) {
    this.#onOwnerDead = checkOwnerDeadHandler('RLock.onOwnerDead', h);
  }

  /** True while this thread holds the lock it took over from a dead owner (as Lock.ownerDied). */
  get ownerDied(): boolean {
    return this.#tookOver && this.isOwned();
  }

  /** For Condition: whether this thread holds it. */
  _isOwned(): boolean {
    return this.isOwned();
  }

  /** For Condition: releases every level; returns the depth to restore. NotOwnerError if not held. */
  _releaseSave(): number {
    if (!this.isOwned()) throw new NotOwnerError('RLock: cannot release an RLock this thread does not hold');
    const depth = this.#i32[COUNT];
    this.#releaseAll();
    return depth;
  }

  /** For Condition: re-acquires at `depth` (no time limit). OwnerDeadError after a takeover (held at `depth`). */
  _acquireRestore(depth: number): void {
    checkDepth(depth);
    assertCanBlock('RLock._acquireRestore');
    if (tryLockFast(this.#i32, STATE)) {
      this.#first(depth);
      return;
    }
    this.#settle(lockSlowSync(this.#i32, STATE, Infinity), depth, 'RLock._acquireRestore');
  }

  /** For Condition: async re-acquire at `depth`. Rejects with `signal.reason` on abort (NOT held). */
  async _acquireRestoreAsync(depth: number, signal?: AbortSignal): Promise<void> {
    checkDepth(depth);
    checkSignal(signal, 'RLock._acquireRestoreAsync: signal');
    throwIfAborted(signal);
    if (tryLockFast(this.#i32, STATE)) {
      this.#first(depth);
      return;
    }
    this.#settle(await lockSlowAsync(this.#i32, STATE, Infinity, signal), depth, 'RLock._acquireRestoreAsync');
  }

  toString(): string {
    return `RLock(${this.locked() ? 'locked' : 'unlocked'})`;
  }

  #reenter(): boolean {
    if (!heldBySelf(this.#i32, STATE)) return false;
    const depth = this.#i32[COUNT];
    if (depth >= RLOCK_MAX_DEPTH)
      throw new InvalidArgumentError(`RLock.acquire: recursion depth would exceed ${RLOCK_MAX_DEPTH}`);
    this.#i32[COUNT] = depth + 1;
    return true;
  }

  #first(depth: number): boolean {
    this.#i32[COUNT] = depth;
    return true;
  }

  #releaseAll(): void {
    this.#i32[COUNT] = 0;
    if (!unlockFast(this.#i32, STATE)) unlockSlow(this.#i32, STATE);
  }

  #settle(r: number, depth: number, what: string): boolean {
    if (r === TIMED_OUT) return false;
    this.#first(depth); // also after a takeover: the dead owner's depth means nothing to us
    if (r === ACQUIRED) return true;
    this.#tookOver = true;
    throw ownerDeadError(what, r);
  }
}

function checkDepth(depth: unknown): asserts depth is number {
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > RLOCK_MAX_DEPTH) {
    throw new InvalidArgumentError(
      `RLock._acquireRestore: state must be an integer depth from 1 to ${RLOCK_MAX_DEPTH}, got ${describe(depth)}`,
    );
  }
}

registerKind(KIND, (d) => RLock.from(d));
