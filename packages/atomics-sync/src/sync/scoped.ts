/**
 * Scoped use of a lock (Python's `with lock:`), shared by Lock and RLock: acquire, run fn, release
 * however fn ends.
 *
 * Scoped use cannot repair what a dead owner left: when the acquire takes the lock over from a
 * dead owner (OwnerDeadError, lock held), fn is not run, the lock is released and the error
 * reaches the caller. Use acquire() directly to repair under the lock.
 */
import { OwnerDeadError, TimeoutError, describe } from '../errors.js';
import { type WaitArg, timeoutMs, timeoutOf, waitArgs } from '../runtime/wait.js';

interface ScopedLock {
  acquire(timeout?: number | null): boolean;
  acquireAsync(wait?: WaitArg): Promise<boolean>;
  release(): void;
}

export function timeoutError(what: string, timeout: unknown): TimeoutError {
  return new TimeoutError(`${what}: the lock was not acquired within timeout ${describe(timeout)} ms`);
}

/** `lock.withLock(fn, timeout)`; `what` names the call in errors (e.g. "RLock.withLock"). */
export function withLockSync<T>(lock: ScopedLock, what: string, fn: () => T, timeout?: number | null): T {
  timeoutMs(timeout, `${what}: timeout`, 'lock'); // named after this call, not the acquire it makes
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

/** `lock.withLockAsync(fn, wait)`: acquires with acquireAsync(wait), runs fn (awaited), releases. */
export async function withLockAsync<T>(
  lock: ScopedLock,
  what: string,
  fn: () => Promise<T> | T,
  wait?: WaitArg,
): Promise<T> {
  waitArgs(wait, what, 'lock'); // named after this call, not the acquire it makes
  let got: boolean;
  try {
    got = await lock.acquireAsync(wait);
  } catch (e) {
    if (e instanceof OwnerDeadError) lock.release();
    throw e;
  }
  if (!got) throw timeoutError(what, timeoutOf(wait));
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
