/**
 * The public pool class, a drop-in for piscina 5's `Piscina`: the same constructor options, run(),
 * close(), destroy(), events and properties, over sabkit's shared-memory dispatch (engine/core.ts).
 *
 * Events: 'error' (an uncaught error in a worker that ran no task, a worker that failed to start
 * with no task to report it to, close() timing out), 'drain' / 'needsDrain' (the tasks submitted
 * and not finished went below / reached maxThreads × concurrentTasksPerWorker), 'workerCreate' /
 * 'workerDestroy' (a PoolWorker), 'message' (anything a task posts with parentPort.postMessage),
 * 'close' (after close() finished).
 */
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { PoolCore } from './engine/core.js';
import type { RunOptions } from './engine/run-options.js';
import type { TaskArgument, TaskExport, TaskExportName, TaskResult } from './task-types.js';
import type { Histogram, HistogramSummary } from './engine/histogram.js';
import type { FilledOptions, PiscinaOptions } from './engine/options.js';
import { poolModeOf } from './engine/modes.js';
import { abandonThreads, fillOptions, ownProperties, startFirstWorkers } from './engine/thread-start.js';
import { ArgumentTypeError } from './errors.js';
import { ArrayTaskQueue, FixedQueue } from './engine/task-queue.js';
import { kQueueOptions, kTransferable, kValue, move } from './transfer.js';
import { isWorkerThread, workerData } from './worker-api.js';

/** This package's version (piscina's `Piscina.version`). */
export const VERSION = '0.1.0';

/** `close(options)`. */
export interface CloseOptions {
  /** Reject the tasks that have not started yet instead of running them. Default false. */
  force?: boolean;
}

/** Run and wait time summaries; with `recordTiming: false`, runTime and waitTime are undefined (as piscina). */
export interface PiscinaHistogram {
  readonly runTime: HistogramSummary;
  readonly waitTime: HistogramSummary;
  resetRunTime(): void;
  resetWaitTime(): void;
}

/**
 * A pool of worker threads running the functions a task module exports.
 *
 * `T` describes the tasks: `typeof import('./task.js')` (the module; `run()` then takes and
 * returns what its exports take and return), a function type, or, as in piscina, the task's own
 * type. `R` is the result type; by default the module's, else `any`. With no type arguments both
 * are `any`, as in npm piscina, so code written for piscina compiles unchanged.
 */
/* biome-ignore lint/suspicious/noExplicitAny: piscina's own default; a drop-in must accept the
   code written against it */
export class Piscina<T = any, R = TaskResult<T>> extends EventEmitter {
  readonly #core: PoolCore;
  #histogram: PiscinaHistogram | undefined;

  constructor(options: PiscinaOptions = {}) {
    super();
    const filled = fillOptions(options);
    const mode = poolModeOf(options);
    // The threads first (thread-start.ts): in a fresh process they boot while the engine loads.
    const first = startFirstWorkers(filled, mode);
    try {
      this.#core = new PoolCore(filled, this, mode, first);
    } catch (e) {
      abandonThreads(first);
      throw e;
    }
  }

  /**
   * Runs `task` in a worker with the export `options.name` of the module `options.filename` (default:
   * the pool's); resolves with what the function returns, or rejects with what it throws.
   * `options.timeout` is in ms from the task's start in the worker (`TaskTimeoutError`);
   * `options.signal` cancels it (`AbortError`). Rejects with `PoolClosedError` after `close()`
   * or `destroy()`, `QueueFullError` when `maxQueue` tasks wait, `TypeError` for bad options.
   */
  run<N extends TaskExportName<T>, P = unknown>(
    task: TaskArgument<TaskExport<T, N>>,
    options: RunOptions<P> & { name: N },
  ): Promise<TaskResult<TaskExport<T, N>>>;
  run<P = unknown>(task: TaskArgument<T>, options?: RunOptions<P>): Promise<R>;
  run(task: unknown, options?: RunOptions<never>): Promise<unknown> {
    return this.#core.run(task, options as RunOptions | undefined);
  }

  /**
   * Stops the pool gracefully: no new tasks; waits (up to closeTimeout) for the submitted ones
   * (or, with force, only for those already running), then stops the workers.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (typeof options !== 'object' || options === null)
      return Promise.reject(new ArgumentTypeError('options must be an object'));
    const { force } = ownProperties(options);
    if (force !== undefined && typeof force !== 'boolean')
      return Promise.reject(new ArgumentTypeError('force argument must be a boolean'));
    return this.#core.close(force ?? false);
  }

  /** Stops every worker now; tasks not finished reject with PoolClosedError. */
  destroy(): Promise<void> {
    return this.#core.destroy();
  }

  [Symbol.dispose](): void {
    void this.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  get options(): FilledOptions {
    return this.#core.options;
  }

  get maxThreads(): number {
    return this.#core.options.maxThreads;
  }

  get minThreads(): number {
    return this.#core.options.minThreads;
  }

  /** The pool's Worker objects (booting, ready and retiring ones). */
  get threads(): Worker[] {
    return this.#core.workers.threads;
  }

  /** Ready workers that hold no task. */
  get idleThreads(): number {
    return this.#core.workers.idle;
  }

  /** Tasks submitted that have not started (queued, or waiting in a worker's ring). */
  get queueSize(): number {
    return this.#core.queueSize;
  }

  /** Tasks that finished in a worker (with a result or an error). */
  get completed(): number {
    return this.#core.completed;
  }

  /** Ms since the pool was created. */
  get duration(): number {
    return performance.now() - this.#core.start;
  }

  /** True while the tasks submitted and not finished fill maxThreads × concurrentTasksPerWorker. */
  get needsDrain(): boolean {
    return this.#core.needsDrain;
  }

  /** Approximate share of the pool's capacity (duration × maxThreads) spent running tasks. */
  get utilization(): number {
    const h = this.#core.runTime;
    if (h.count === 0) return 0;
    return (h.mean * h.count) / (this.duration * this.#core.options.maxThreads);
  }

  /** Undefined with `recordTiming: false` (the type is piscina's). */
  get runTime(): HistogramSummary {
    return this.#timing(this.#core.runTime);
  }

  /** Undefined with `recordTiming: false` (the type is piscina's). */
  get waitTime(): HistogramSummary {
    return this.#timing(this.#core.waitTime);
  }

  #timing(h: Histogram): HistogramSummary {
    return (this.#core.options.recordTiming ? h.summary() : undefined) as HistogramSummary;
  }

  /** Run and wait time summaries (ms), as piscina 5's `histogram`. */
  get histogram(): PiscinaHistogram {
    if (this.#histogram === undefined) {
      const core = this.#core;
      const pool = this;
      this.#histogram = {
        get runTime() {
          return pool.runTime;
        },
        get waitTime() {
          return pool.waitTime;
        },
        resetRunTime: () => core.runTime.reset(),
        resetWaitTime: () => core.waitTime.reset(),
      };
    }
    return this.#histogram;
  }

  static get isWorkerThread(): boolean {
    return isWorkerThread;
  }

  static get workerData(): unknown {
    return workerData;
  }

  static get version(): string {
    return VERSION;
  }

  static get Piscina(): typeof Piscina {
    return Piscina;
  }

  static get FixedQueue(): typeof FixedQueue {
    return FixedQueue;
  }

  static get ArrayTaskQueue(): typeof ArrayTaskQueue {
    return ArrayTaskQueue;
  }

  static move = move;

  static get transferableSymbol(): typeof kTransferable {
    return kTransferable;
  }

  static get valueSymbol(): typeof kValue {
    return kValue;
  }

  static get queueOptionsSymbol(): typeof kQueueOptions {
    return kQueueOptions;
  }
}
