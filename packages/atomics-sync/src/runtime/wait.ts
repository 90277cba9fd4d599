/**
 * Waiting on a shared word: the one place where sabkit spins, parks a thread (Atomics.wait) or
 * parks a promise (Atomics.waitAsync). Every primitive's slow path goes through here.
 *
 * Spin, then park. On this machine a futex wake-up costs about 25 µs and handing a cache line to
 * the other core about 0.1 µs, so a waiter whose word will change within a few microseconds does
 * far better spinning than parking. But a spinning waiter holds a core: with 2 cores and more
 * runnable threads than cores, it can starve the very thread it waits for. SPIN_ITERATIONS bounds
 * the spin to a few microseconds (each iteration is one shared load plus a pause), well under the
 * cost of one park/wake pair, so spinning can at worst double a wait that parking would also have
 * paid for; past it the waiter parks and burns nothing.
 */
import { BlockingNotAllowedError, InvalidArgumentError, describe } from '../errors.js';

/**
 * Loads of the shared word before a waiter parks. ~4 µs of spinning on this machine (2 cores,
 * ~8 ns per load-and-pause): below one futex round trip (~25 µs wake + reschedule), above a cache
 * line hand-off (~0.1 µs), so short critical sections never reach the kernel.
 */
export const SPIN_ITERATIONS = 512;

/** Result of a wait, as Atomics.wait reports it. */
export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

const pause: () => void =
  typeof (Atomics as unknown as { pause?: () => void }).pause === 'function'
    ? (Atomics as unknown as { pause: () => void }).pause.bind(Atomics)
    : () => {};

/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
export const canBlock: boolean = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();

/**
 * How a call reads its timeout (docs/conventions.md). `'lock'`: Python's `Lock.acquire`, where -1
 * means no limit and any other negative value is an error. `'python'`: every other blocking call
 * (`Event.wait`, `Condition.wait`, `Barrier.wait`, `Queue.get`, `AsyncResult.get`,
 * `Process.join`...), where a negative timeout means "do not wait", as CPython's do.
 */
export type TimeoutRule = 'lock' | 'python';

/**
 * Reads a user timeout in milliseconds into the milliseconds to wait: Infinity for no limit
 * (`undefined`, `null`, `Infinity`), 0 for "try once, do not wait". NaN and non-numbers are
 * InvalidArgumentError. Negative values follow `rule` (see TimeoutRule): 'python' reads them as 0,
 * 'lock' reads -1 as no limit and refuses the others. `param` names the argument in errors
 * (e.g. 'Event.wait: timeout'). Reads no clock, so a fast path can validate before it touches memory.
 */
export function timeoutMs(timeout: unknown, param = 'timeout', rule: TimeoutRule = 'lock'): number {
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw new InvalidArgumentError(
      `${param} must be a number of milliseconds, Infinity, null or undefined; got ${describe(timeout)}`,
    );
  }
  if (timeout >= 0) return timeout;
  if (rule === 'python') return 0;
  if (timeout === -1) return Infinity;
  throw new InvalidArgumentError(
    `${param} must be a non-negative number of milliseconds, or -1, Infinity, null or undefined for no ` +
      `limit (a lock's rule, as Python's Lock.acquire: no other negative value); got ${describe(timeout)}`,
  );
}

/** The deadline, on performance.now()'s clock, of a wait of `ms` milliseconds starting now. */
export function deadlineAfter(ms: number): number {
  return ms === Infinity ? Infinity : performance.now() + ms;
}

/**
 * Converts a user timeout in milliseconds to an absolute deadline on performance.now()'s clock,
 * reading it as timeoutMs does.
 */
export function deadlineFrom(
  timeout: number | null | undefined,
  param = 'timeout',
  rule: TimeoutRule = 'lock',
): number {
  return deadlineAfter(timeoutMs(timeout, param, rule));
}

/**
 * The deadline of a sync call that may block: reads `timeout` (as timeoutMs, naming it
 * `${what}: timeout`) and throws BlockingNotAllowedError if the call may wait on a thread that
 * may not block. Plain values skip building the parameter's name: queues call this per item.
 */
export function syncDeadline(timeout: unknown, what: string, rule: TimeoutRule): number {
  const ms =
    timeout === undefined || timeout === null
      ? Infinity
      : typeof timeout === 'number' && timeout >= 0
        ? timeout
        : timeoutMs(timeout, `${what}: timeout`, rule);
  if (ms !== 0 && !canBlock) assertCanBlock(what);
  return deadlineAfter(ms);
}

/** The options object of every `…Async` blocking call: `{ timeout?, signal? }`. */
export interface WaitOptions {
  /** Milliseconds to wait, read as the sync form reads its timeout; undefined, null or Infinity: no limit. */
  readonly timeout?: number | null;
  /** Aborting rejects the call with the signal's reason; each call says what has happened by then. */
  readonly signal?: AbortSignal;
}

/**
 * The last argument of every `…Async` blocking call: a timeout in ms (the sync form's argument),
 * or `{ timeout, signal }`, or nothing.
 */
export type WaitArg = number | null | undefined | WaitOptions;

/**
 * Reads an async call's WaitArg into [deadline, signal]; `what` names the call in errors
 * (e.g. 'Event.waitAsync'). `absent` is the wait, in ms, that an omitted timeout means: no limit
 * for most calls, 0 for `Connection.pollAsync` (Python's `poll()`), a Barrier's own default.
 */
export function waitArgs(
  arg: WaitArg,
  what: string,
  rule: TimeoutRule = 'python',
  absent = Infinity,
): [number, AbortSignal | undefined] {
  if (arg === undefined) return [deadlineAfter(absent), undefined];
  if (arg === null || typeof arg === 'number') return [deadlineFrom(arg, `${what}: timeout`, rule), undefined];
  if (typeof arg !== 'object') {
    throw new InvalidArgumentError(
      `${what}: the last argument must be a timeout in ms, { timeout?, signal? } or undefined; got ${describe(arg)}`,
    );
  }
  const signal = checkSignal(arg.signal, `${what}: options.signal`);
  const timeout = arg.timeout;
  return [
    timeout === undefined ? deadlineAfter(absent) : deadlineFrom(timeout, `${what}: options.timeout`, rule),
    signal,
  ];
}

/** The timeout a WaitArg carries, for error messages ("stayed empty for 20 ms"). */
export function timeoutOf(arg: WaitArg): number | null | undefined {
  return arg !== null && typeof arg === 'object' ? arg.timeout : arg;
}

/** Milliseconds left until `deadline` (never negative; Infinity stays Infinity). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

/** Throws BlockingNotAllowedError if this thread may not block; `what` names the call. */
export function assertCanBlock(what: string): void {
  if (!canBlock) {
    throw new BlockingNotAllowedError(
      `${what} blocks, and this thread may not block (a browser's main thread); use ${what}Async instead`,
    );
  }
}

/**
 * Spins until `i32[index] !== value` or the budget runs out. Returns true if the word changed.
 * Racy by design: the answer may be stale by the time the caller acts on it, so callers re-check
 * with a compare-exchange.
 */
export function spinWhileEqual(i32: Int32Array, index: number, value: number, iterations = SPIN_ITERATIONS): boolean {
  for (let i = 0; i < iterations; i++) {
    if (Atomics.load(i32, index) !== value) return true;
    pause();
  }
  return false;
}

/** Parks this thread while `i32[index] === value`, at most until `deadline` (performance.now clock). */
export function parkSync(i32: Int32Array, index: number, value: number, deadline: number): WaitResult {
  const ms = remaining(deadline);
  if (ms === 0) return Atomics.load(i32, index) === value ? 'timed-out' : 'not-equal';
  return Atomics.wait(i32, index, value, ms);
}

// On Node 20 a pending Atomics.waitAsync does not keep the process alive (measured here): an
// awaited wait with nothing else pending would let the process exit under it. While any async
// wait is pending we hold one ref'd timer.
let pendingAsyncWaits = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;
function holdProcess(): void {
  if (pendingAsyncWaits++ === 0 && typeof setInterval === 'function') keepAlive = setInterval(() => {}, 1 << 30);
}
function releaseProcess(): void {
  if (--pendingAsyncWaits === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/** Rejects with the signal's reason if it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Parks a promise while `i32[index] === value`, at most until `deadline`, without blocking the
 * event loop. Rejects with `signal.reason` if the signal aborts first.
 *
 * A pending Atomics.waitAsync cannot be cancelled. On abort we notify the word instead: the wait
 * settles at once, and any other waiter on the same word sees a spurious wake-up, which every
 * sabkit primitive tolerates (each re-checks its state after waking).
 */
export async function parkAsync(
  i32: Int32Array,
  index: number,
  value: number,
  deadline: number,
  signal?: AbortSignal,
): Promise<WaitResult> {
  throwIfAborted(signal);
  const ms = remaining(deadline);
  const r = Atomics.waitAsync(i32, index, value, ms);
  if (!r.async) return r.value;
  holdProcess();
  let onAbort: (() => void) | undefined;
  try {
    if (signal) {
      let aborted = false;
      onAbort = () => {
        aborted = true;
        Atomics.notify(i32, index);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const res = await r.value;
      if (aborted) throwIfAborted(signal);
      return res;
    }
    return await r.value;
  } finally {
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    releaseProcess();
  }
}

/**
 * Validates an `{ signal }` option: undefined or an AbortSignal.
 */
export function checkSignal(signal: unknown, param = 'signal'): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`${param} must be an AbortSignal or undefined, got ${describe(signal)}`);
  }
  return signal;
}
