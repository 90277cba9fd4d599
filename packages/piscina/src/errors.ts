/**
 * The pool's named errors. Each extends @sabkit/atomics-sync's SabkitError (stable `code`, message
 * that names what went wrong) and is registered with the error transport, so it keeps its class
 * when it crosses a thread (an AbortError created as a task signal's reason in a worker arrives as
 * an AbortError).
 *
 * Messages that piscina users match on are kept: 'The task has been aborted', 'Task queue is at
 * limit', 'No task queue available and all Workers are busy', 'Terminating worker thread',
 * 'filename must be provided to run() or in options object', 'Close operation timed out'.
 *
 * Bad options and arguments of piscina's own API throw what piscina throws, a TypeError (a
 * RangeError for minThreads > maxThreads) with piscina's message, in Node's manner: the built-in
 * class and name, plus a stable `code` ('ERR_SABKIT_INVALID_ARGUMENT', the code of
 * @sabkit/atomics-sync's InvalidArgumentError).
 */
import { ClosedError, SabkitError, registerErrorClass } from '@sabkit/atomics-sync/core';

const INVALID_ARGUMENT = 'ERR_SABKIT_INVALID_ARGUMENT';

/** An option or argument of the wrong type or out of its range (piscina's TypeError). */
export class ArgumentTypeError extends TypeError {
  readonly code: string = INVALID_ARGUMENT;
}

/** Options that contradict each other (piscina's RangeError for minThreads > maxThreads). */
export class ArgumentRangeError extends RangeError {
  readonly code: string = INVALID_ARGUMENT;
}

/** The task was cancelled through its `signal` (piscina's AbortError; `cause` is the signal's reason). */
export class AbortError extends SabkitError {
  constructor(reason?: unknown) {
    super('ERR_SABKIT_ABORTED', 'The task has been aborted', reason === undefined ? undefined : { cause: reason });
  }
}

/** The task ran longer than its `timeout` (or the pool's `taskTimeout`), counted from its start. */
export class TaskTimeoutError extends SabkitError {
  /** The limit that was exceeded, in milliseconds (undefined in the worker, which is not told it). */
  readonly timeout: number | undefined;
  constructor(timeout?: number) {
    super(
      'ERR_SABKIT_TASK_TIMEOUT',
      `the task did not finish within its timeout${timeout === undefined ? '' : ` of ${timeout} ms`} ` +
        `(counted from its start in the worker)`,
    );
    this.timeout = timeout;
  }
}

/**
 * The worker running the task died: it threw outside any task (an uncaught exception), called
 * process.exit(), ran out of memory, or was terminated because a cancelled task did not stop.
 */
export class WorkerCrashError extends SabkitError {
  /** The worker's exit code (1 for an uncaught exception or out of memory). */
  readonly exitCode: number;
  /** The worker's thread id. */
  readonly threadId: number;
  constructor(message: string, exitCode: number, threadId: number, options?: { cause?: unknown }) {
    super('ERR_SABKIT_WORKER_CRASHED', message, options);
    this.exitCode = exitCode;
    this.threadId = threadId;
  }
}

/**
 * A worker exited or failed before it was ready (bad execArgv, too small resourceLimits, a task
 * module that exits while it loads...). The pool does not start replacements in a loop: it fails
 * the tasks that were waiting for a worker and starts a new one only for new work.
 */
export class WorkerStartError extends SabkitError {
  /** The worker's exit code; undefined if Node refused to create it at all. */
  readonly exitCode: number | undefined;
  constructor(message: string, exitCode: number | undefined, options?: { cause?: unknown }) {
    super('ERR_SABKIT_WORKER_START', message, options);
    this.exitCode = exitCode;
  }
}

/** The task module cannot be loaded, or has no such export, or the export is not a function. */
export class TaskModuleError extends SabkitError {
  readonly filename: string;
  readonly exportName: string;
  constructor(message: string, filename: string, exportName: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_TASK_MODULE', message, options);
    this.filename = filename;
    this.exportName = exportName;
  }
}

/** `maxQueue` tasks are already waiting (piscina: 'Task queue is at limit'). */
export class QueueFullError extends SabkitError {
  constructor(message = 'Task queue is at limit') {
    super('ERR_SABKIT_QUEUE_FULL', message);
  }
}

/** A task was refused or dropped because the pool is closing or was destroyed. */
export class PoolClosedError extends ClosedError {
  constructor(message = 'Terminating worker thread') {
    super(message);
  }
}

/** `close()` waited `closeTimeout` ms for running tasks; they were then stopped. */
export class CloseTimeoutError extends SabkitError {
  constructor(message = 'Close operation timed out') {
    super('ERR_SABKIT_CLOSE_TIMEOUT', message);
  }
}

/** taskSignal() or reportProgress() was called outside a task running in a pool worker. */
export class NotInTaskError extends SabkitError {
  constructor(what: string) {
    super(
      'ERR_SABKIT_NOT_IN_TASK',
      `${what} can only be called by a task running in a pool worker (inside the task function or code it awaits)`,
    );
  }
}

/** The pool's error classes by name, registered with atomics-sync so that they keep their class across threads. */
export const POOL_ERROR_CLASSES = {
  AbortError,
  TaskTimeoutError,
  WorkerCrashError,
  WorkerStartError,
  TaskModuleError,
  QueueFullError,
  PoolClosedError,
  CloseTimeoutError,
  NotInTaskError,
} as const;

for (const cls of Object.values(POOL_ERROR_CLASSES)) registerErrorClass(cls);
