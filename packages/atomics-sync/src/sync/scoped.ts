/**
 * Scoped use of a lock (Python's `with lock:`), shared by Lock and RLock: acquire, run fn, release
 * however fn ends.
 *
 * Scoped use cannot repair what a dead owner left: when the acquire takes the lock over from a
 * dead owner (OwnerDeadError, lock held), fn is not run, the lock is released and the error
 * reaches the caller. Use acquire() directly to repair under the lock.
 */
import { OwnerDeadError, TimeoutError, describe } from '../errors.js';
import { checkTimeout } from './lock-core.js';

/** Options of withLock / withLockAsync. */
export interface WithLockOptions {
  /** Give up after this many ms (TimeoutError). Default: wait for ever. */
  timeout?: number;
  /** withLockAsync only: abort the wait (the lock is not taken; fn does not run). */
  signal?: AbortSignal;
}

interface ScopedLock {
  acquire(timeout?: number): boolean;
  acquireAsync(timeout?: number, signal?: AbortSignal): Promise<boolean>;
  release(): void;
}

export function timeoutError(what: string, timeout: unknown): TimeoutError {
  return new TimeoutError(`${what}: the lock was not acquired within timeout ${describe(timeout)} ms`);
}

/** `lock.withLock(fn, opts)`; `what` names the call in errors (e.g. "RLock.withLock"). */
export function withLockSync<T>(lock: ScopedLock, what: string, fn: () => T, opts?: WithLockOptions): T {
  const timeout = opts?.timeout;
  checkTimeout(timeout, what);
  let got: boolean;
  try {
    got = lock.acquire(timeout);
  } catch (e) {
    if (e instanceof OwnerDeadError) lock.release();
    throw e;
  }
  if (!got) throw timeoutError(what, timeout);
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/** `lock.withLockAsync(fn, opts)`: acquires with acquireAsync, runs fn (awaited), releases. */
export async function withLockAsync<T>(lock: ScopedLock, what: string, fn: () => Promise<T> | T, opts?: WithLockOptions): Promise<T> {
  const timeout = opts?.timeout;
  checkTimeout(timeout, what);
  let got: boolean;
  try {
    got = await lock.acquireAsync(timeout, opts?.signal);
  } catch (e) {
    if (e instanceof OwnerDeadError) lock.release();
    throw e;
  }
  if (!got) throw timeoutError(what, timeout);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
