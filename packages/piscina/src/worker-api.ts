/**
 * What task code running in a pool worker imports from '@sabkit/piscina'.
 *
 *   isWorkerThread      true in a pool worker (not in other Workers, not on the main thread)
 *   workerData          the pool's `workerData` option (also Node's own workerData there)
 *   taskSignal()        the running task's AbortSignal: aborts when the caller's signal aborts,
 *                       the task times out, or the pool is destroyed. A synchronous task can poll
 *                       `signal.aborted` / `signal.throwIfAborted()` in its loop; an async one can
 *                       also listen for 'abort'. A task that asked for its signal gets
 *                       `abortGraceMs` to stop before its worker is terminated.
 *   reportProgress(v)   sends `v` to the caller's run(task, { onProgress }) callback (ignored if
 *                       the caller passed none); values travel like results
 *   move(v)             transfer instead of copy when returned (see transfer.ts)
 */
import { workerData as nodeWorkerData } from 'node:worker_threads';
import { NotInTaskError } from './errors.js';
import { workerGlobalState } from './worker-state.js';

export { move } from './transfer.js';

/** True if this code runs inside a sabkit pool worker. */
export const isWorkerThread: boolean = workerGlobalState() !== undefined;

/** The pool's `workerData` option, in a pool worker; undefined elsewhere. */
export const workerData: unknown = isWorkerThread ? nodeWorkerData : undefined;

function current(what: string) {
  const ctx = workerGlobalState()?.getCurrent();
  if (ctx === undefined) throw new NotInTaskError(what);
  return ctx;
}

/** The running task's cancellation signal. Throws NotInTaskError outside a task. */
export function taskSignal(): AbortSignal {
  return current('taskSignal()').signal();
}

/** Sends a progress value to the running task's caller. Throws NotInTaskError outside a task. */
export function reportProgress(value: unknown): void {
  current('reportProgress()').progress(value);
}
