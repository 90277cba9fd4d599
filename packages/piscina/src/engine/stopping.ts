/**
 * The engine's cold paths, kept out of core.ts so that the file holding the hot path (run, place,
 * give, complete) stays short enough to read as one: settling and stopping a task that is aborted or
 * times out, taking back the tasks of a worker that is gone, and ending the pool's work on close
 * or destroy. None of this runs for a task unless it is cancelled or the pool stops. Each function
 * is given the queue, workers and settings it acts on, so this module does not know PoolCore.
 */
import {
  REASON_ABORT,
  REASON_CLOSE,
  REASON_TIMEOUT,
  SLOT_OBSERVED,
  SLOT_PHASE_MASK,
  SLOT_RUNNING,
} from '../dispatch/layout.js';
import { AbortError, CloseTimeoutError, PoolClosedError, QueueFullError, TaskTimeoutError } from '../errors.js';
import type { TaskQueue } from './task-queue.js';
import type { HeldTask, WorkerHandle } from './worker-handle.js';
import type { PoolEmitter, Workers } from './workers.js';

/** Settles a task whose signal fired, and stops it; false if it had settled already. */
export function abortTask(task: HeldTask, queue: TaskQueue, workers: Workers, abortGraceMs: number): boolean {
  if (task.settled) return false;
  const reason = (task.signal as { reason?: unknown }).reason;
  task.settle(false, new AbortError(reason));
  cancelTask(task, REASON_ABORT, 'it was aborted and did not stop', queue, workers, abortGraceMs);
  return true;
}

/**
 * The deadline check of an unsettled task: when to look again, or undefined once it has timed the
 * task out. The timeout counts from the task's start; a task not yet running is looked at again
 * a whole timeout later.
 */
export function timeOutIfDue(
  task: HeldTask,
  now: number,
  queue: TaskQueue,
  workers: Workers,
  abortGraceMs: number,
): number | undefined {
  const w = task.worker;
  if (w === undefined || (w.channel.phase(task.slot) & SLOT_PHASE_MASK) !== SLOT_RUNNING) return now + task.timeout;
  const at = w.channel.startTime(task.slot) - performance.timeOrigin + task.timeout;
  if (now < at) return at;
  task.settle(false, new TaskTimeoutError(task.timeout));
  const why = `it ran past its timeout of ${task.timeout} ms`;
  cancelTask(task, REASON_TIMEOUT, why, queue, workers, abortGraceMs);
  return undefined;
}

/** Stops a settled task: out of the queue, skipped by its worker, or its worker terminated. */
function cancelTask(
  task: HeldTask,
  reason: number,
  why: string,
  queue: TaskQueue,
  workers: Workers,
  abortGraceMs: number,
): void {
  const w = task.worker;
  if (w === undefined) {
    queue.remove(task);
    return;
  }
  const old = w.channel.cancel(task.slot, reason);
  // Not started: the worker skips it. Except an aborted task: it was handed a worker of its own
  // (it never shares one), and piscina terminates that worker, started or not; so does this pool.
  if ((old & SLOT_PHASE_MASK) !== SLOT_RUNNING && reason !== REASON_ABORT) return;
  const kill = (): void => {
    if (w.tasks[task.slot] === task) workers.kill(w, `task ${task.taskId} was cancelled (${why})`);
  };
  if (old & SLOT_OBSERVED) setTimeout(kill, abortGraceMs).unref();
  else kill();
}

/** A gone worker's started tasks fail with `error`; the others go back to the front of the queue, in order. */
export function takeBackTasks(
  w: WorkerHandle,
  error: (task: HeldTask) => unknown,
  queue: TaskQueue,
): { failed: number; requeued: number } {
  const { started, notStarted } = w.takeTasks();
  for (const task of started) task.settle(false, error(task));
  for (let i = notStarted.length - 1; i >= 0; i--) {
    if (queue.unshift) queue.unshift(notStarted[i]);
    else queue.push(notStarted[i]);
  }
  return { failed: started.length, requeued: notStarted.length };
}

/** What run() rejects with when maxQueue is reached (piscina's messages). */
export function queueFullError(maxQueue: number): QueueFullError {
  return new QueueFullError(
    maxQueue === 0 ? 'No task queue available and all Workers are busy' : 'Task queue is at limit',
  );
}

/** Rejects every task still waiting in the pool's queue; returns how many it settled. */
export function rejectWaiting(queue: TaskQueue, error: () => unknown): number {
  let n = 0;
  for (let t = queue.shift() as HeldTask | null; t !== null; t = queue.shift() as HeldTask | null)
    if (t.settle(false, error())) n++;
  return n;
}

/**
 * close(force): what was not handed to a worker rejects now: the queue, and what waits in a
 * worker's ring beyond the `concurrency` tasks it was handed (as piscina, a task handed to a worker
 * that is still starting counts as running: it runs).
 */
export function rejectNotStarted(queue: TaskQueue, list: readonly WorkerHandle[], concurrency: number): void {
  const closed = (): AbortError => new AbortError('pool is closed');
  rejectWaiting(queue, closed);
  for (const w of list) w.cancelAhead(concurrency, REASON_CLOSE, closed);
}

/**
 * close()'s end: once the outstanding tasks are done (`flushed`), or after closeTimeout, whichever
 * comes first, the pool is destroyed and 'close' emitted; a timeout is reported as an error.
 */
export function destroyWhenFlushed(
  flushed: Promise<void>,
  closeTimeout: number,
  workers: Workers,
  destroy: () => Promise<void>,
  emitter: PoolEmitter,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), closeTimeout);
  });
  return Promise.race([flushed.then(() => false), timedOut]).then(async (late) => {
    clearTimeout(timer);
    if (late) workers.reportError(new CloseTimeoutError());
    await destroy();
    emitter.emit('close');
  });
}

/** destroy(): every task not yet settled, queued or held by a worker, rejects. */
export function rejectAll(queue: TaskQueue, list: readonly WorkerHandle[]): void {
  const error = (): PoolClosedError => new PoolClosedError('Terminating worker thread');
  rejectWaiting(queue, error);
  for (const w of list) for (const task of w.tasks) if (task !== undefined) task.settle(false, error());
}
