/**
 * Pool: Python's `multiprocessing.Pool` on @sabkit/piscina's engine (its public `Piscina`).
 *
 *     await using pool = new Pool(4);
 *     console.log(await pool.map((x: number) => x * x, [1, 2, 3]));   // [ 1, 4, 9 ]
 *
 * `processes` workers (the engine's minThreads = maxThreads), all started at once as in Python.
 * Work goes out in chunks: a chunk is one engine task that runs a slice of the items through the
 * function in the worker (runner-impl.ts), so 100k tiny items cost a handful of task round trips, not
 * 100k. maxTasksPerChild counts chunks, as Python's maxtasksperchild does.
 *
 * Python's blocking calls become promises (the caller is usually the main thread, whose event loop
 * must keep turning for results to arrive): `apply`, `map`, `starmap` resolve to the result;
 * `applyAsync`, `mapAsync`, `starmapAsync` return an AsyncResult at once; `imap` and
 * `imapUnordered` return async iterators (pool-iter.ts). Tasks are inline functions or module
 * exports (inline.ts).
 *
 * States, as Python's: RUN -> close() -> CLOSE -> join() waits for the work, then the workers end;
 * RUN or CLOSE -> terminate() -> TERMINATE: workers are stopped at once, and whatever was pending
 * rejects with ClosedError (Python leaves such results pending for ever). A new call on a pool that
 * is not running throws ClosedError (Python's ValueError("Pool not running")). Leaving an
 * `await using` block terminates the pool, as leaving Python's `with` block does.
 */
import { ClosedError, InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { Piscina } from '@sabkit/piscina';
import { taskSpec, type TaskSpec, type TaskSpecOptions } from '../tasks/inline.js';
import type { ImapOptions, MapAsyncOptions, MapOptions, PoolOptions, PoolTask } from './options.js';
import { AsyncResult, checkCallbacks, type ResultCallbacks } from './async-result.js';
import {
  NUMERIC_MIN_CHUNK,
  allNumbers,
  checkPositiveInt,
  defaultChunksize,
  flatten,
  isAsyncIterable,
  isIterable,
  itemsOf,
  notIterable,
} from './chunks.js';
import { InvalidStateError } from '../errors.js';
import { cpuCount, currentIdentity } from '../process/current-process.js';
import { ChunkedResultIterator } from './pool-iter.js';
import { packViews } from '../tasks/shared-views.js';
import { POOL_WORKER_DATA_KEY, type ChunkTask, type PoolWorkerInit } from './runner-protocol.js';
import type { LoopChunk } from '../parallel/parallel-chunk.js';
import { threadId } from 'node:worker_threads';
import { setPoolMode } from '@sabkit/piscina/internal';
import { whileWaiting } from './waiting.js';
import { RUNNER_URL } from './runner-url.js';

// Public as Pool's companion since Python's own chunking rule is part of what map promises.
export { defaultChunksize } from './chunks.js';

/** Where the worker side lives: the engine's `filename` for every Pool (runner-url.ts). */
export { RUNNER_URL };

/** Lets parallel.ts run loop chunks on a Pool's engine without a public method. */
export const RUN_LOOP_CHUNK = Symbol('sabkit.Pool.runLoopChunk');

const RUN = 'running';
const CLOSE = 'closed';
const TERMINATE = 'terminated';

/**
 * Python's `multiprocessing.Pool` on worker threads: `new Pool(processes = cpuCount())` or
 * `new Pool({ processes, initializer, initargs, maxTasksPerChild })`. `map`, `starmap`, `apply`,
 * their `…Async` forms (an `AsyncResult`), `imap` and `imapUnordered`; tasks are inline functions
 * (sent as source, no closures: `InlineFunctionError`) or module exports. A result's type is the
 * task function's, and `unknown` for a module task. After `close()` or `terminate()`, calls throw
 * `ClosedError`; `await using p = new Pool()` terminates it at the end of the block.
 */
export class Pool implements AsyncDisposable {
  readonly #engine: Piscina;
  readonly #specOptions: TaskSpecOptions;
  readonly #processes: number;
  readonly #maxInFlight: number;
  #state: typeof RUN | typeof CLOSE | typeof TERMINATE = RUN;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #iterators = new Set<ChunkedResultIterator<unknown>>();
  #terminated: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  /** `new Pool(4)` or `new Pool({ processes, initializer, initargs, maxTasksPerChild })`. */
  constructor(options: number | PoolOptions = {}) {
    const opts: PoolOptions = typeof options === 'number' ? { processes: options } : options;
    if (typeof opts !== 'object' || opts === null) {
      throw new InvalidArgumentError(
        `Pool(options): options must be a number of processes or an object, got ${describe(options)}`,
      );
    }
    this.#processes = opts.processes === undefined ? cpuCount() : checkPositiveInt(opts.processes, 'Pool: processes');
    const maxTasks =
      opts.maxTasksPerChild === undefined
        ? undefined
        : checkPositiveInt(opts.maxTasksPerChild, 'Pool: maxTasksPerChild');
    this.#maxInFlight =
      opts.maxChunksInFlight === undefined
        ? 4 * this.#processes
        : checkPositiveInt(opts.maxChunksInFlight, 'Pool: maxChunksInFlight');
    const initargs = opts.initargs ?? [];
    if (!Array.isArray(initargs))
      throw new InvalidArgumentError(`Pool: initargs must be an array, got ${describe(initargs)}`);
    // An initializer may give the workers globals this thread cannot see: tasks that use them are
    // left to the worker's closure check (inline.ts) instead of refused here.
    this.#specOptions = { workerGlobals: opts.initializer !== undefined };
    const init: PoolWorkerInit = {
      initializer: opts.initializer === undefined ? null : taskSpec(opts.initializer, 'initializer'),
      initargs,
      parent: { name: currentIdentity().name, pid: threadId },
    };
    // Workers started over turns of the event loop, not all in this call (Python's Pool(200) starts
    // 200 processes before it returns; 200 `new Worker` here froze the event loop for seconds), and
    // daemons, as Python's: only waiting for a result keeps the process alive (waiting.ts).
    const engineOptions = setPoolMode(
      {
        filename: RUNNER_URL,
        minThreads: this.#processes,
        maxThreads: this.#processes,
        idleTimeout: Infinity,
        ...(maxTasks === undefined ? {} : { maxTasksPerWorker: maxTasks }),
        workerData: { [POOL_WORKER_DATA_KEY]: init },
      },
      { daemon: true, backgroundStart: true },
    );
    this.#engine = new Piscina(engineOptions);
  }

  /** Number of workers. */
  get processes(): number {
    return this.#processes;
  }

  /** 'running', 'closed' or 'terminated'. */
  get state(): string {
    return this.#state;
  }

  #checkRunning(method: string): void {
    if (this.#state !== RUN) throw new ClosedError(`Pool.${method}(): Pool not running (it was ${this.#state})`);
  }

  /** Sends one chunk; every pending chunk is tracked for join(). */
  #submit(fn: TaskSpec, items: unknown[], star: boolean, method: string, offset: number): Promise<unknown[]> {
    if (this.#state === TERMINATE) return Promise.reject(this.#terminatedError(method));
    // Views over shared memory must stay shared on the way (shared-views.ts).
    const sent = star ? items.map((a) => (Array.isArray(a) ? packViews(a) : a)) : packViews(items);
    const task: ChunkTask = { fn, items: sent, star, method, offset };
    return this.#track(this.#engine.run(task, { name: 'runChunk' }) as Promise<unknown[]>, method);
  }

  /**
   * Sends a chunk of numbers as a Float64Array, transferred rather than cloned: 8 bytes an item
   * and no serialiser, against a structured clone of an array of numbers. The worker answers
   * with a transferred Float64Array too when every result is a number (runner-impl.ts).
   */
  #submitNumbers(fn: TaskSpec, nums: Float64Array, method: string, offset: number): Promise<unknown[] | Float64Array> {
    if (this.#state === TERMINATE) return Promise.reject(this.#terminatedError(method));
    const task: ChunkTask = { fn, items: [], nums, star: false, method, offset };
    return this.#track(
      this.#engine.run(task, { name: 'runChunk', transferList: [nums.buffer as ArrayBuffer] }) as Promise<
        unknown[] | Float64Array
      >,
      method,
    );
  }

  #track<T>(p: Promise<T>, method: string): Promise<T> {
    const tracked = p.catch((e: unknown) => {
      throw this.#state === TERMINATE ? this.#terminatedError(method, e) : e;
    });
    this.#pending.add(tracked);
    tracked.then(
      () => this.#pending.delete(tracked),
      () => this.#pending.delete(tracked),
    );
    return tracked;
  }

  #terminatedError(method: string, cause?: unknown): ClosedError {
    const e = new ClosedError(`Pool.${method}(): the pool was terminated before this task finished`);
    if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
    return e;
  }

  /** Runs loop chunks for parallel.ts on this pool's workers. */
  [RUN_LOOP_CHUNK](chunk: LoopChunk): Promise<unknown> {
    this.#checkRunning('parallel loop');
    return whileWaiting(this.#track(this.#engine.run(chunk, { name: 'runLoop' }) as Promise<unknown>, 'parallel loop'));
  }

  /** Python's apply: calls `fn(...args)` in a worker and resolves to its result. */
  async apply<A extends unknown[], R>(fn: PoolTask<A, R>, args?: A): Promise<R> {
    return this.applyAsync(fn, args).get();
  }

  /** Python's apply_async: calls `fn(...args)` in a worker; returns an AsyncResult at once. */
  applyAsync<A extends unknown[], R>(fn: PoolTask<A, R>, args?: A, callbacks?: ResultCallbacks<R>): AsyncResult<R> {
    this.#checkRunning('applyAsync');
    const spec = taskSpec(fn, 'fn', this.#specOptions);
    const list = args ?? [];
    if (!Array.isArray(list))
      throw new InvalidArgumentError(`Pool.applyAsync(): args must be an array of arguments, got ${describe(args)}`);
    const cbs = checkCallbacks(callbacks, 'Pool.applyAsync()');
    return new AsyncResult(
      this.#submit(spec, [list], true, 'apply', 0).then((r) => r[0] as R),
      cbs,
    );
  }

  /** Python's map: `fn` over every item, results in input order. */
  async map<T, R>(
    fn: PoolTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: number | MapOptions,
  ): Promise<R[]> {
    return this.#mapAsync(fn, iterable, options, false, 'map').get() as Promise<R[]>;
  }

  /** Python's map_async: `options` is the chunksize or `{ chunksize, callback, errorCallback }`. */
  mapAsync<T, R>(
    fn: PoolTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: number | MapAsyncOptions<R[]>,
  ): AsyncResult<R[]> {
    return this.#mapAsync(fn, iterable, options as MapAsyncOptions<unknown[]>, false, 'mapAsync') as AsyncResult<R[]>;
  }

  /** Python's starmap: `fn(...args)` for every argument list, results in input order. */
  async starmap<A extends unknown[], R>(
    fn: PoolTask<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options?: number | MapOptions,
  ): Promise<R[]> {
    return this.#mapAsync(fn, iterable, options, true, 'starmap').get() as Promise<R[]>;
  }

  /** Python's starmap_async: `options` is the chunksize or `{ chunksize, callback, errorCallback }`. */
  starmapAsync<A extends unknown[], R>(
    fn: PoolTask<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options?: number | MapAsyncOptions<R[]>,
  ): AsyncResult<R[]> {
    return this.#mapAsync(fn, iterable, options as MapAsyncOptions<unknown[]>, true, 'starmapAsync') as AsyncResult<
      R[]
    >;
  }

  #mapAsync(
    fn: unknown,
    iterable: unknown,
    options: number | MapAsyncOptions<unknown[]> | undefined,
    star: boolean,
    method: string,
  ): AsyncResult<unknown[]> {
    this.#checkRunning(method);
    const spec = taskSpec(fn, 'fn', this.#specOptions);
    const opts = typeof options === 'number' ? { chunksize: options } : options;
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
      throw new InvalidArgumentError(
        `Pool.${method}(): the third argument must be a chunksize or { chunksize, callback, errorCallback ` +
          `}, got ${describe(options)}`,
      );
    }
    const chunksize = opts?.chunksize;
    if (chunksize !== undefined) checkPositiveInt(chunksize, `Pool.${method}(): chunksize`);
    const cbs = checkCallbacks(opts, `Pool.${method}()`);
    const items = itemsOf(iterable, method);
    const result = Array.isArray(items)
      ? this.#mapItems(spec, items, chunksize, star, method)
      : items.then((all) => this.#mapItems(spec, all, chunksize, star, method));
    return new AsyncResult(result, cbs);
  }

  async #mapItems(
    spec: TaskSpec,
    items: unknown[],
    chunksize: number | undefined,
    star: boolean,
    method: string,
  ): Promise<unknown[]> {
    if (items.length === 0) return [];
    const n = items.length;
    const size = chunksize ?? defaultChunksize(n, this.#processes);
    const numeric = !star && size >= NUMERIC_MIN_CHUNK && allNumbers(items);
    const parts: Promise<unknown[] | Float64Array>[] = [];
    for (let i = 0; i < n; i += size) {
      parts.push(
        numeric
          ? this.#submitNumbers(spec, new Float64Array(items.slice(i, i + size) as number[]), method, i)
          : this.#submit(spec, items.slice(i, i + size), star, method, i),
      );
    }
    return flatten(await Promise.all(parts), n, numeric);
  }

  /**
   * Python's imap: an async iterator of `fn(item)` in input order. The input may be any
   * iterable or async iterable, also endless; at most maxChunksInFlight chunks are read ahead.
   */
  imap<T, R>(
    fn: PoolTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize: number | ImapOptions = 1,
  ): AsyncIterableIterator<R> {
    return this.#imap(fn, iterable, chunksize, true, 'imap') as AsyncIterableIterator<R>;
  }

  /** Python's imap_unordered: as imap, in completion order. */
  imapUnordered<T, R>(
    fn: PoolTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize: number | ImapOptions = 1,
  ): AsyncIterableIterator<R> {
    return this.#imap(fn, iterable, chunksize, false, 'imapUnordered') as AsyncIterableIterator<R>;
  }

  #imap(
    fn: unknown,
    iterable: unknown,
    options: number | ImapOptions,
    ordered: boolean,
    method: string,
  ): AsyncIterableIterator<unknown> {
    this.#checkRunning(method);
    const spec = taskSpec(fn, 'fn', this.#specOptions);
    const opts: ImapOptions = typeof options === 'number' ? { chunksize: options } : options;
    if (typeof opts !== 'object' || opts === null)
      throw new InvalidArgumentError(
        `Pool.${method}(): the third argument must be a chunksize or { chunksize, maxChunksInFlight }, got ` +
          `${describe(options)}`,
      );
    const chunksize =
      opts.chunksize === undefined ? 1 : checkPositiveInt(opts.chunksize, `Pool.${method}(): chunksize`);
    const maxInFlight =
      opts.maxChunksInFlight === undefined
        ? this.#maxInFlight
        : checkPositiveInt(opts.maxChunksInFlight, `Pool.${method}(): maxChunksInFlight`);
    if (!isIterable(iterable) && !isAsyncIterable(iterable)) throw notIterable(iterable, method);
    const it = new ChunkedResultIterator<unknown>(
      (items, offset) => this.#submit(spec, items, false, method, offset),
      iterable,
      chunksize,
      maxInFlight,
      ordered,
    );
    this.#iterators.add(it);
    void it.fed.then(() => this.#iterators.delete(it));
    return it;
  }

  /** Python's close: no new work; what was submitted still runs. */
  close(): void {
    if (this.#state !== RUN) return;
    this.#state = CLOSE;
    // As Python's feeder thread does, running iterators now read the rest of their input.
    for (const it of this.#iterators) it.flush();
  }

  /** Python's terminate: stops the workers at once; pending results reject with ClosedError. */
  terminate(): Promise<void> {
    this.#state = TERMINATE;
    const t = this.#terminated ?? this.#engine.destroy().then(() => {});
    this.#terminated = t;
    return t;
  }

  /**
   * Python's join: after close(), waits until all the work is done and the workers have ended;
   * after terminate(), until the workers have ended.
   */
  async join(): Promise<void> {
    if (this.#state === RUN)
      throw new InvalidStateError('Pool.join(): the pool is still running; call close() or terminate() first');
    return whileWaiting(this.#join());
  }

  async #join(): Promise<void> {
    if (this.#state === CLOSE) {
      while (this.#iterators.size > 0 || this.#pending.size > 0) {
        await Promise.all([...this.#iterators].map((it) => it.fed));
        await Promise.allSettled([...this.#pending]);
      }
    }
    if (this.#state === TERMINATE) return this.terminate();
    const c = this.#closed ?? this.#engine.close().then(() => {});
    this.#closed = c;
    await c;
  }

  /** `await using pool = new Pool()`: terminates the pool on leaving the block, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }
}
