/**
 * Named errors of sabkit. Every error thrown at a public boundary is one of these classes, carries
 * a stable `code` (match on `code`, not on the message), and has a message that names the
 * parameter, the rule and the offending value.
 *
 * Python's names are kept where Python raises: `Empty`, `Full`, `BrokenBarrierError`,
 * `TimeoutError`. Errors cross threads with `serializeError` / `deserializeError`
 * (error-transport.ts), which keep the class, message, stack, code and cause.
 */

/** Base class: every sabkit error is `instanceof SabkitError` and has a stable `code`. */
export class SabkitError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // `name` is an own property so that it survives structured clone and logging alike.
    Object.defineProperty(this, 'name', {
      value: new.target.name,
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
}

/** A parameter is of the wrong type or out of range. */
export class InvalidArgumentError extends SabkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_INVALID_ARGUMENT', message, options);
  }
}

/** A shared region (buffer, byteOffset) is not a SharedArrayBuffer, misaligned, or too small. */
export class InvalidRegionError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_INVALID_REGION', message);
  }
}

/** `X.from(value)` was given something that is not a serialised X. */
export class ReviveError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_REVIVE', message);
  }
}

/** Python's `RuntimeError('release unlocked lock')`. */
export class NotLockedError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_NOT_LOCKED', message);
  }
}

/** Python's `RuntimeError('cannot release un-acquired lock')` for an RLock or Condition used by a non-owner. */
export class NotOwnerError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_NOT_OWNER', message);
  }
}

/** Python's `ValueError('Semaphore released too many times')` from a BoundedSemaphore. */
export class SemaphoreOverflowError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_SEMAPHORE_OVERFLOW', message);
  }
}

/** Python's `threading.BrokenBarrierError`. */
export class BrokenBarrierError extends SabkitError {
  constructor(message = 'the barrier is broken (aborted, reset, or a wait timed out)') {
    super('ERR_SABKIT_BROKEN_BARRIER', message);
  }
}

/** Python's `TimeoutError` (multiprocessing's `AsyncResult.get(timeout)`, `Barrier.wait(timeout)`...). */
export class TimeoutError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_TIMEOUT', message);
  }
}

/** Python's `queue.Empty`. */
export class Empty extends SabkitError {
  constructor(message = 'the queue is empty') {
    super('ERR_SABKIT_EMPTY', message);
  }
}

/** Python's `queue.Full`. */
export class Full extends SabkitError {
  constructor(message = 'the queue is full') {
    super('ERR_SABKIT_FULL', message);
  }
}

/** An operation on a closed queue, pipe or pool (Python's `ValueError('Queue is closed')`). */
export class ClosedError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_CLOSED', message);
  }
}

/** Python's `EOFError` from `Connection.recv()` once the other end is closed and nothing is left. */
export class EOFError extends SabkitError {
  constructor(message = 'the other end of the pipe is closed and nothing is left to receive') {
    super('ERR_SABKIT_EOF', message);
  }
}

/**
 * The previous owner of a lock died (its thread exited) while holding it. Thrown by `acquire` *after*
 * the lock has been taken over by the caller, as POSIX robust mutexes return EOWNERDEAD: the caller
 * holds the lock, must repair whatever the dead owner left half-done, and must release it.
 */
export class OwnerDeadError extends SabkitError {
  /** Thread id of the owner that died. */
  readonly deadThreadId: number;
  constructor(message: string, deadThreadId: number) {
    super('ERR_SABKIT_OWNER_DEAD', message);
    this.deadThreadId = deadThreadId;
  }
}

/** A synchronous blocking call where the runtime forbids blocking (a browser's main thread). */
export class BlockingNotAllowedError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_BLOCKING_NOT_ALLOWED', message);
  }
}

/** A message or payload larger than what a queue or pipe can carry. */
export class PayloadTooLargeError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_PAYLOAD_TOO_LARGE', message);
  }
}

/**
 * Python's `IndexError('invalid index')`: an element index outside a shared array (after Python's
 * negative-index rule: -length <= index < length).
 */
export class IndexError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_INDEX', message);
  }
}

/**
 * `getLock()` on a cell made without a lock (RawValue, RawArray, or `lock: false`). Python raises
 * AttributeError there because its raw ctypes object has no `get_lock`; sabkit keeps one method on
 * every cell and names the condition instead.
 */
export class NoLockError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_NO_LOCK', message);
  }
}

/**
 * Python's `ValueError('task_done() called too many times')` from `JoinableQueue.taskDone()`: more
 * taskDone() calls than items put. Not SemaphoreOverflowError: that names a semaphore released past
 * its bound, and a JoinableQueue shows no semaphore (CPython's happens to use one internally).
 */
export class TaskDoneError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_TASK_DONE', message);
  }
}

/**
 * A fixed-size table in shared memory is full: a Condition has as many threads (or async tasks)
 * waiting as it has waiter slots. Python has no such limit (its waiters live in a deque); the
 * message names the option that sizes the table (`capacity`).
 */
export class CapacityExceededError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_CAPACITY_EXCEEDED', message);
  }
}

/**
 * This runtime has no SharedArrayBuffer. In a browser that means the page is not cross-origin
 * isolated: browsers give shared memory only to pages served with `Cross-Origin-Opener-Policy:
 * same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (or `credentialless`).
 */
export class SharedMemoryUnavailableError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_NO_SHARED_MEMORY', message);
  }
}

/**
 * A queue or pipe could not be read because another thread has held its readers' lock for the
 * whole wait while items were waiting, and that thread is not known to be dead: most likely a
 * worker terminated while it was inside get()/recv() whose death nobody reported (it was created
 * before sabkit was loaded in its creating thread, and `watchWorker(worker)` was not called), or a
 * thread stuck inside a get. Thrown instead of `Empty`, which would hide the cause.
 */
export class StuckHolderError extends SabkitError {
  /** Thread id of the thread holding the lock. */
  readonly holderThreadId: number;
  constructor(message: string, holderThreadId: number) {
    super('ERR_SABKIT_STUCK_HOLDER', message);
    this.holderThreadId = holderThreadId;
  }
}

/** Every error class exported by this module, by name (used to revive errors across threads). */
export const SABKIT_ERROR_CLASSES = {
  SabkitError,
  InvalidArgumentError,
  InvalidRegionError,
  ReviveError,
  NotLockedError,
  NotOwnerError,
  SemaphoreOverflowError,
  BrokenBarrierError,
  TimeoutError,
  Empty,
  Full,
  ClosedError,
  EOFError,
  OwnerDeadError,
  BlockingNotAllowedError,
  PayloadTooLargeError,
  IndexError,
  NoLockError,
  TaskDoneError,
  CapacityExceededError,
  StuckHolderError,
} as const;

/** Formats a value for an error message: short, unambiguous, never throws. */
export function describe(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
      return String(value);
    if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
    if (typeof value === 'symbol') return value.toString();
    const ctor = (value as object).constructor?.name;
    return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
  } catch {
    return 'an unprintable value';
  }
}
