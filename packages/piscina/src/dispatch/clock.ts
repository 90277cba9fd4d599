/**
 * The pool worker's clock: milliseconds for its own durations (`now()`), and the epoch clock both
 * sides stamp a task's start with (`toEpoch`: ms since the Unix epoch, sub-microsecond resolution;
 * main reads it as `performance.timeOrigin + performance.now()`).
 *
 * Why not `performance`: in a Node worker the first read of the global `performance` loads
 * perf_hooks (~10 internal modules, ~0.9 ms of a new worker measured here), on the path of a fresh
 * pool's first result. So a Node worker reads `process.hrtime()`, CLOCK_MONOTONIC, the clock
 * Node's own performance.now() reads, one for every thread of the process; and its epoch is main's:
 * main measures the offset from that clock to its epoch clock when it builds the worker's start-up
 * record (`epochOffset()`, WorkerInit.epochOffset), and the worker adopts it (`useMainEpoch`). A
 * start stamped that way is main's epoch clock itself, not a second thread's reading of the wall
 * clock. Where there is no `process.hrtime` (browsers) or no offset, it is `performance`.
 *
 * Main reads `performance` directly (engine/): it needs its performance.now() anyway.
 */

/** process.hrtime() in ms. Only where `process.hrtime` exists. */
function hrMs(): number {
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

const hasHrtime = (): boolean =>
  typeof process === 'object' && process !== null && typeof (process as { hrtime?: unknown }).hrtime === 'function';

/** Whether this thread's clock is process.hrtime (set by useMainEpoch). */
let monotonic = false;
/** The epoch time of this clock's 0; read from `performance` on first use when not set. */
let base: number | undefined;

/** Now, in ms, on this thread's clock (for durations, and for toEpoch). */
export function now(): number {
  return monotonic ? hrMs() : performance.now();
}

/** A time of now()'s clock on the epoch clock. */
export function toEpoch(t: number): number {
  return t + (base ??= performance.timeOrigin);
}

/** An epoch-clock time on now()'s clock. */
export function fromEpoch(epoch: number): number {
  return epoch - (base ??= performance.timeOrigin);
}

/**
 * Main: the offset from process.hrtime (ms) to main's epoch clock, for a worker's start-up record;
 * undefined where there is no process.hrtime. The hrtime read is the midpoint of two, around the
 * performance read.
 */
export function epochOffset(): number | undefined {
  if (!hasHrtime()) return undefined;
  const a = hrMs();
  const epoch = performance.timeOrigin + performance.now();
  return epoch - (a + hrMs()) / 2;
}

/** A pool worker: read process.hrtime from now on, with main's `offset` (WorkerInit.epochOffset) as its epoch. */
export function useMainEpoch(offset: number | undefined): void {
  if (offset === undefined || !Number.isFinite(offset) || !hasHrtime()) return;
  monotonic = true;
  base = offset;
}
