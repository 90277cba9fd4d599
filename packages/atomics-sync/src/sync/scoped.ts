/**
 * Scoped use of a lock (Python's `with lock:`), shared by Lock and RLock: acquire, run fn, release
 * however fn ends. The lock is never left held, whatever happens (the point of issue 20's point 6:
 * an OwnerDeadError thrown by a bare acquire() leaves the lock held with the caller).
 *
 * A dead owner (POSIX's EOWNERDEAD): when the acquire takes the lock over from a thread that died
 * holding it, the state it guards may be half-updated.
 *  - With a repair set on the handle (`lock.onOwnerDead = (deadThreadId) => ...`): it runs first,
 *    holding the lock, to repair that state; then fn runs; then the lock is released. Nothing is
 *    thrown for the takeover (it was handled). The timeout stays withLock's last argument
 *    (docs/conventions.md), so the repair is the handle's, not a third argument.
 *  - Without one: fn is not run (it would see the half-updated state), the lock is released, and
 *    the OwnerDeadError reaches the caller, so the death is never silent.
 */
import { InvalidArgumentError, OwnerDeadError, TimeoutError, describe } from '../errors.js';
import { type WaitArg, timeoutMs, timeoutOf, waitArgs } from '../runtime/wait.js';

interface ScopedLock {
  acquire(timeout?: number | null): boolean;
  acquireAsync(wait?: WaitArg): Promise<boolean>;
  release(): void;
  readonly onOwnerDead: OwnerDeadHandler | undefined;
}

/** The repair callback of withLock / withLockAsync, run holding the lock after a takeover. */
export type OwnerDeadHandler = (deadThreadId: number) => void | Promise<void>;

/** Checks a value for `lock.onOwnerDead` (a function, or null/undefined to remove it). */
export function checkOwnerDeadHandler(what: string, h: unknown): OwnerDeadHandler | undefined {
  if (h === undefined || h === null) return undefined;
  if (typeof h !== 'function') {
    throw new InvalidArgumentError(`${what} must be a function, null or undefined, got ${describe(h)}`);
  }
  return h as OwnerDeadHandler;
}

function checkFn(what: string, fn: unknown): void {
  // Before the acquire: a bad argument must not take the lock (nor throw a plain TypeError from inside it).
  if (typeof fn !== 'function') throw new InvalidArgumentError(`${what}: fn must be a function, got ${describe(fn)}`);
}

export function timeoutError(what: string, timeout: unknown): TimeoutError {
  return new TimeoutError(`${what}: the lock was not acquired within timeout ${describe(timeout)} ms`);
}

/** `lock.withLock(fn, timeout)`; `what` names the call in errors (e.g. "RLock.withLock"). */
export function withLockSync<T>(lock: ScopedLock, what: string, fn: () => T, timeout?: number | null): T {
  // Named after this call, not the acquire it makes; no string built for the usual omitted timeout.
  if (timeout !== undefined) timeoutMs(timeout, `${what}: timeout`, 'lock');
  checkFn(what, fn);
  const onOwnerDead = lock.onOwnerDead;
  let got: boolean;
  let dead = -1;
  try {
    got = lock.acquire(timeout);
  } catch (e) {
    if (!(e instanceof OwnerDeadError)) throw e;
    if (!onOwnerDead) {
      lock.release();
      throw e;
    }
    got = true;
    dead = e.deadThreadId;
  }
  if (!got) throw timeoutError(what, timeout);
  try {
    if (dead >= 0) {
      const r = onOwnerDead!(dead);
      if (r && typeof (r as Promise<void>).then === 'function') {
        throw new InvalidArgumentError(
          `${what}: onOwnerDead returned a promise; a synchronous withLock cannot wait for it (use withLockAsync)`,
        );
      }
    }
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
  checkFn(what, fn);
  const onOwnerDead = lock.onOwnerDead;
  let got: boolean;
  let dead = -1;
  try {
    got = await lock.acquireAsync(wait);
  } catch (e) {
    if (!(e instanceof OwnerDeadError)) throw e;
    if (!onOwnerDead) {
      lock.release();
      throw e;
    }
    got = true;
    dead = e.deadThreadId;
  }
  if (!got) throw timeoutError(what, timeoutOf(wait));
  try {
    if (dead >= 0) await onOwnerDead!(dead);
    return await fn();
  } finally {
    lock.release();
  }
}
