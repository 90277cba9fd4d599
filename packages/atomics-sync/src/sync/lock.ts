/**
 * Lock: Python's `threading.Lock` over shared memory, usable from every thread that has it.
 *
 * Layout (Lock.BYTE_LENGTH = 4 bytes, Lock.ALIGNMENT = 4), one Int32 word, see lock-core.ts:
 *
 *   offset 0  STATE   bits 0..29 OWNER (holder's threadId + 1, 0 = free)
 *                     bit 30 PARKED (waiters may be parked), bit 31 STARVING (hand-over mode)
 *
 * All-zero memory is an unlocked lock. Uncontended acquire and release are one compare-exchange
 * each; contended acquirers spin briefly, then park (Atomics.wait / waitAsync).
 *
 * As in Python, any thread may release a Lock (it is not owned in the RLock sense); the word still
 * records which thread acquired it, for robustness and for Condition.
 *
 * Robustness: if the holder's thread dies (exits, is terminated, crashes) while holding the lock,
 * the next acquirer takes it over within about ROBUST_POLL_MS and its acquire throws
 * OwnerDeadError while it HOLDS the lock (POSIX EOWNERDEAD): it must repair what the dead owner
 * left half-done and release. Death is read from the liveness table (liveness.ts), so it covers
 * threads of this process that exited after the table existed and either ran to their own exit
 * or were watched with watchWorker (the sabkit pool watches its workers). It cannot cover a
 * thread that is alive but stuck, and cannot know what the dead owner left inconsistent.
 *
 * Layout: docs/layouts/lock.md
 */
import { NotLockedError, OwnerDeadError } from '../errors.js';
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
import { type WaitArg, syncDeadline, throwIfAborted, waitArgs } from '../runtime/wait.js';
import { type OwnerDeadHandler, checkOwnerDeadHandler, withLockAsync, withLockSync } from './scoped.js';
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

const KIND = 'Lock';
/** Index of the state word in the object's Int32 view. */
const STATE = 0;

/** Passed by Lock.from as the constructor's hidden last argument: attach, do not initialise. */
const ATTACH = Symbol('Lock: attach');

/** Builds the OwnerDeadError every lock kind throws after a takeover. */
export function ownerDeadError(what: string, deadThreadId: number): OwnerDeadError {
  return new OwnerDeadError(
    `${what}: the previous owner (thread ${deadThreadId}) died holding the lock; this thread now holds it ` +
      `and must repair the state it guards, then release it`,
    deadThreadId,
  );
}

/**
 * Python's `threading.Lock` in shared memory (4 bytes; all-zero is unlocked). `acquire(timeout?)`
 * waits at most `timeout` ms (none: no limit; `-1`: no limit, as Python) and returns `false` on
 * timeout; `acquireAsync` is the event-loop form. `release()` of an unlocked lock throws
 * `NotLockedError`; an acquire that takes over from a dead holder throws `OwnerDeadError` while
 * holding the lock. Revive a clone with `Lock.from`.
 */
export class Lock {
  /** Bytes of shared memory a Lock occupies. */
  static readonly BYTE_LENGTH = 4;
  /** Required alignment of its byteOffset. */
  static readonly ALIGNMENT = 4;

  declare readonly __sabkit: 'Lock';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  readonly #i32: Int32Array;
  /** Set by a takeover, cleared by release (see ownerDied). */
  #tookOver = false;
  #onOwnerDead: OwnerDeadHandler | undefined;

  /** A new unlocked Lock in its own memory, or in `region` (which it initialises to unlocked). */
  constructor(region?: SharedRegion);
  constructor(region?: SharedRegion, attach?: symbol) {
    assertOwnerIdFits(KIND);
    const existing = attach === ATTACH;
    const { buffer, byteOffset } = existing
      ? (region as SharedDescriptor)
      : allocateRegion(KIND, Lock.BYTE_LENGTH, Lock.ALIGNMENT, region);
    defineShared(this, KIND, buffer, byteOffset);
    this.#i32 = new Int32Array(buffer, byteOffset, 1);
    if (!existing) Atomics.store(this.#i32, STATE, 0);
  }

  /** Makes a Lock that travelled through postMessage / workerData live again, over the same memory. */
  static from(value: unknown): Lock {
    const d = expectDescriptor<SharedDescriptor>(value, KIND);
    checkRegion(KIND, d.buffer, d.byteOffset, Lock.BYTE_LENGTH, Lock.ALIGNMENT);
    return attachNew(Lock, d, ATTACH);
  }

  /**
   * Blocks until the lock is acquired or `timeout` ms pass (undefined, null, -1 or Infinity: no
   * limit; another negative value is InvalidArgumentError, as in Python). Returns true if acquired,
   * false on timeout. Throws OwnerDeadError if it took the lock over from a dead owner (the caller
   * then holds it). Python's `acquire(blocking=False)` is `tryAcquire()` (or `acquire(0)`).
   */
  acquire(timeout?: number | null): boolean {
    // The deadline is read before the fast path so that a bad timeout fails whether or not the lock is free.
    const deadline = syncDeadline(timeout, 'Lock.acquire', 'lock');
    if (tryLockFast(this.#i32, STATE)) return true;
    return this.#settle(lockSlowSync(this.#i32, STATE, deadline), 'Lock.acquire');
  }

  /** Acquires the lock only if that needs no waiting. Also takes over from a dead owner (OwnerDeadError). */
  tryAcquire(): boolean {
    if (tryLockFast(this.#i32, STATE)) return true;
    return this.#settle(tryLockOnce(this.#i32, STATE), 'Lock.tryAcquire');
  }

  /**
   * Like acquire, without blocking the thread; `wait` is acquire's timeout or `{ timeout, signal }`.
   * Resolves true when acquired, false on timeout; rejects with `signal.reason` if aborted first
   * (the lock is then not held), or OwnerDeadError after a takeover (the lock is then held).
   */
  async acquireAsync(wait?: WaitArg): Promise<boolean> {
    const [deadline, signal] = waitArgs(wait, 'Lock.acquireAsync', 'lock');
    throwIfAborted(signal);
    if (tryLockFast(this.#i32, STATE)) return true;
    return this.#settle(await lockSlowAsync(this.#i32, STATE, deadline, signal), 'Lock.acquireAsync');
  }

  /** Releases the lock, whichever thread holds it. Throws NotLockedError if it is not locked. */
  release(): void {
    this.#tookOver = false;
    if (unlockFast(this.#i32, STATE)) return;
    if (!unlockSlow(this.#i32, STATE)) throw new NotLockedError('Lock.release: the lock is not locked');
  }

  /** Whether the lock is held by some thread. Racy: stale as soon as it returns. */
  locked(): boolean {
    return (Atomics.load(this.#i32, STATE) & OWNER_MASK) !== 0;
  }

  /**
   * Runs fn holding the lock, and releases it however fn ends (Python's `with lock:`). If the lock
   * is not acquired within `timeout` ms, throws TimeoutError and fn does not run. If it was taken
   * over from a dead owner: with `onOwnerDead` set on this handle, that runs first (holding the
   * lock) to repair what the dead owner left, then fn; without it, fn does not run and
   * OwnerDeadError is thrown. Either way the lock is released: the safe form of acquire().
   */
  withLock<T>(fn: () => T, timeout?: number | null): T {
    return withLockSync(this, 'Lock.withLock', fn, timeout);
  }

  /** Async form of withLock: acquireAsync(wait), then onOwnerDead if needed and fn (awaited), then release. */
  withLockAsync<T>(fn: () => Promise<T> | T, wait?: WaitArg): Promise<T> {
    return withLockAsync(this, 'Lock.withLockAsync', fn, wait);
  }

  /**
   * The repair withLock / withLockAsync run (holding the lock, before fn) after taking the lock over
   * from a dead owner, with its thread id; undefined (default): they throw OwnerDeadError instead.
   * Per handle, so per thread. A function, or null/undefined to remove it (InvalidArgumentError
   * otherwise); withLock (sync) refuses one that returns a promise.
   */
  get onOwnerDead(): OwnerDeadHandler | undefined {
    return this.#onOwnerDead;
  }
  set onOwnerDead(h: OwnerDeadHandler | null | undefined) {
    this.#onOwnerDead = checkOwnerDeadHandler('Lock.onOwnerDead', h);
  }

  /**
   * True while this handle holds the lock it took over from a dead owner (set when acquire throws
   * OwnerDeadError, cleared by release): the non-throwing way to learn it, e.g. in a `finally`.
   */
  get ownerDied(): boolean {
    return this.#tookOver && this._isOwned();
  }

  /** For Condition: whether this thread holds the lock. */
  _isOwned(): boolean {
    return heldBySelf(this.#i32, STATE);
  }

  /** For Condition: releases the lock; returns what _acquireRestore needs (always 1). */
  _releaseSave(): number {
    this.release();
    return 1;
  }

  /** For Condition: re-acquires after a wait (no time limit). OwnerDeadError after a takeover (held). */
  _acquireRestore(_state: number): void {
    this.acquire();
  }

  /** For Condition: async re-acquire. Rejects with `signal.reason` on abort (the lock is then NOT held). */
  async _acquireRestoreAsync(_state: number, signal?: AbortSignal): Promise<void> {
    await this.acquireAsync({ signal });
  }

  toString(): string {
    return `Lock(${this.locked() ? 'locked' : 'unlocked'})`;
  }

  /** Turns a slow-path result into acquire's answer. */
  #settle(r: number, what: string): boolean {
    if (r === ACQUIRED) return true;
    if (r === TIMED_OUT) return false;
    this.#tookOver = true;
    throw ownerDeadError(what, r);
  }
}

registerKind(KIND, (d) => Lock.from(d));
