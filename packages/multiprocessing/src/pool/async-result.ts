/**
 * AsyncResult: Python's `multiprocessing.pool.AsyncResult`, returned by `applyAsync`, `mapAsync`
 * and `starmapAsync`. It settles once; `get(timeout)` and `wait(timeout)` are asynchronous (the
 * caller is usually the main thread, whose event loop must keep running for the result to arrive).
 *
 * As in Python, the callbacks run when the result arrives and before `ready()` turns true, so code
 * that sees `ready()` also sees the callback's effects. A callback that throws is reported as an
 * uncaught exception (Python's result handler thread would die silently; ours does not hide it).
 */
import { InvalidArgumentError, TimeoutError, describe, waitArgs, type WaitArg } from '@sabkit/atomics-sync';
import { InvalidStateError } from '../errors.js';
import { whileWaiting } from './waiting.js';

/** Python's `callback` / `error_callback`. */
export interface ResultCallbacks<T> {
  /** Called with the result when it succeeds. */
  readonly callback?: (value: T) => void;
  /** Called with the error when it fails. */
  readonly errorCallback?: (error: unknown) => void;
}

/**
 * Waits for `settled`, at most as long as `wait` says (docs/conventions.md: a timeout in ms, or
 * `{ timeout, signal }`; a negative timeout does not wait, as Python's). Resolves either way; the
 * caller checks what it waited for. Rejects with the signal's reason on abort.
 */
export async function settleWithin(settled: Promise<void>, wait: WaitArg, what: string): Promise<void> {
  const [deadline, signal] = waitArgs(wait, what);
  if (signal?.aborted) throw signal.reason;
  if (deadline === Infinity && signal === undefined) return settled;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<void>((resolve, reject) => {
    if (deadline !== Infinity) timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
    if (signal) signal.addEventListener('abort', (onAbort = () => reject(signal.reason)), { once: true });
  });
  try {
    await Promise.race([settled, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal!.removeEventListener('abort', onAbort);
  }
}

/** Checks the `{ callback, errorCallback }` options. */
export function checkCallbacks<T>(options: ResultCallbacks<T> | undefined, method: string): ResultCallbacks<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      `${method}: options must be an object { callback, errorCallback }, got ${describe(options)}`,
    );
  }
  for (const key of ['callback', 'errorCallback'] as const) {
    const f = options[key];
    if (f !== undefined && typeof f !== 'function') {
      throw new InvalidArgumentError(`${method}: ${key} must be a function, got ${describe(f)}`);
    }
  }
  return options;
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

/**
 * Python's `AsyncResult` (from `applyAsync`, `mapAsync`, `starmapAsync`): `await get(timeout?)`
 * resolves with the result or rejects with the task's error, or with `TimeoutError` after
 * `timeout` ms (or `{ timeout, signal }`); `ready()`, `successful()` (throws `InvalidStateError`
 * before it is ready) and `wait(timeout?)`.
 */
export class AsyncResult<T> {
  #state: typeof PENDING | typeof FULFILLED | typeof REJECTED = PENDING;
  #value: T | undefined;
  #error: unknown;
  readonly #settled: Promise<void>;

  /** Wraps `source`; the pool creates these, users get them from `applyAsync` and friends. */
  constructor(source: Promise<T>, callbacks: ResultCallbacks<T> = {}) {
    this.#settled = source.then(
      (value) => {
        if (callbacks.callback) report(() => callbacks.callback!(value));
        this.#value = value;
        this.#state = FULFILLED;
      },
      (error: unknown) => {
        if (callbacks.errorCallback) report(() => callbacks.errorCallback!(error));
        this.#error = error;
        this.#state = REJECTED;
      },
    );
  }

  /** Whether the call has completed (successfully or not). */
  ready(): boolean {
    return this.#state !== PENDING;
  }

  /**
   * Whether the call completed without an error. Throws InvalidStateError if it is not ready yet
   * (Python's ValueError).
   */
  successful(): boolean {
    if (this.#state === PENDING)
      throw new InvalidStateError('successful(): the result is not ready yet; check ready() or await wait() first');
    return this.#state === FULFILLED;
  }

  /**
   * Waits until the result is ready, at most `wait` (ms, or `{ timeout, signal }`); resolves to
   * `ready()`. Python's `wait(timeout)`; a negative timeout does not wait.
   */
  async wait(wait?: WaitArg): Promise<boolean> {
    if (this.#state === PENDING) await whileWaiting(settleWithin(this.#settled, wait, 'AsyncResult.wait'));
    return this.#state !== PENDING;
  }

  /**
   * The result, once it arrives. Rejects with the task's error if it failed, and with
   * TimeoutError if it is not ready within `wait` (ms, or `{ timeout, signal }`; a negative
   * timeout does not wait, as Python's). The task keeps running; get() may be called again.
   */
  async get(wait?: WaitArg): Promise<T> {
    if (this.#state === PENDING) await whileWaiting(settleWithin(this.#settled, wait, 'AsyncResult.get'));
    if (this.#state === FULFILLED) return this.#value as T;
    if (this.#state === REJECTED) throw this.#error;
    const ms = typeof wait === 'number' ? wait : wait?.timeout;
    throw new TimeoutError(`AsyncResult.get: the result was not ready within ${ms} ms`);
  }
}

function report(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}
