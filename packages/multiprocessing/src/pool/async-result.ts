/**
 * AsyncResult: Python's `multiprocessing.pool.AsyncResult`, returned by `applyAsync`, `mapAsync`
 * and `starmapAsync`. It settles once; `get(timeout)` and `wait(timeout)` are asynchronous (the
 * caller is usually the main thread, whose event loop must keep running for the result to arrive).
 *
 * As in Python, the callbacks run when the result arrives and before `ready()` turns true, so code
 * that sees `ready()` also sees the callback's effects. A callback that throws is reported as an
 * uncaught exception (Python's result handler thread would die silently; ours does not hide it).
 */
import { InvalidArgumentError, TimeoutError, describe } from '@sabkit/atomics-sync';
import { InvalidStateError } from '../errors.js';

/** Python's `callback` / `error_callback`. */
export interface ResultCallbacks<T> {
  /** Called with the result when it succeeds. */
  readonly callback?: (value: T) => void;
  /** Called with the error when it fails. */
  readonly errorCallback?: (error: unknown) => void;
}

/**
 * Validates a timeout in milliseconds: undefined, null and Infinity mean no limit (Python's None);
 * otherwise a non-negative number.
 */
export function timeoutMs(timeout: unknown, param = 'timeout'): number {
  if (timeout === undefined || timeout === null || timeout === Infinity) return Infinity;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidArgumentError(`${param} must be a non-negative number of milliseconds, Infinity or undefined, got ${describe(timeout)}`);
  }
  return timeout;
}

/** Checks the `{ callback, errorCallback }` options. */
export function checkCallbacks<T>(options: ResultCallbacks<T> | undefined, method: string): ResultCallbacks<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${method}: options must be an object { callback, errorCallback }, got ${describe(options)}`);
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

  /** Whether the call completed without an error. Throws InvalidStateError if it is not ready yet (Python's ValueError). */
  successful(): boolean {
    if (this.#state === PENDING) throw new InvalidStateError('successful(): the result is not ready yet; check ready() or await wait() first');
    return this.#state === FULFILLED;
  }

  /** Waits until the result is ready or `timeout` ms pass; resolves to `ready()`. */
  async wait(timeout?: number): Promise<boolean> {
    const ms = timeoutMs(timeout);
    if (this.#state === PENDING) await raceTimeout(this.#settled, ms);
    return this.#state !== PENDING;
  }

  /**
   * The result, once it arrives. Rejects with the task's error if it failed, and with
   * TimeoutError if it is not ready within `timeout` ms (the task keeps running; get() may be
   * called again).
   */
  async get(timeout?: number): Promise<T> {
    const ms = timeoutMs(timeout);
    if (this.#state === PENDING) await raceTimeout(this.#settled, ms);
    if (this.#state === FULFILLED) return this.#value as T;
    if (this.#state === REJECTED) throw this.#error;
    throw new TimeoutError(`get(): the result was not ready within ${ms} ms`);
  }
}

function raceTimeout(settled: Promise<void>, ms: number): Promise<void> {
  if (ms === Infinity) return settled;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
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
