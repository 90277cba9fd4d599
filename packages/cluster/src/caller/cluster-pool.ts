/**
 * ClusterPool: the local Pool's API (Python's multiprocessing.Pool) over BullMQ and Redis, for
 * work that outgrows one machine. `sabkit-worker` processes, anywhere that reaches the Redis
 * server, run the chunks on their own local pools.
 *
 *     await using pool = new ClusterPool({ connection: 'redis://127.0.0.1:6379', queue: 'jobs' });
 *     console.log(await pool.map((x: number) => x * x, [1, 2, 3]));   // [ 1, 4, 9 ]
 *
 * Same names and meanings as Pool (packages/multiprocessing/src/pool/pool.ts): apply, applyAsync,
 * map, mapAsync, starmap, starmapAsync, imap, imapUnordered, AsyncResult, close/join/terminate,
 * `await using`. Every call also takes `{ signal, onProgress }`. Tasks are inline functions (their
 * source travels; the local Pool's closure rule) or modules under each worker's root.
 * Delivery is at-least-once (a chunk may run again after a worker dies), results exactly once.
 */
import { ClosedError, InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { AsyncResult, InvalidStateError, type ResultCallbacks } from '@sabkit/multiprocessing';
import {
  ChunkedResultIterator,
  checkCallbacks,
  checkPositiveInt,
  isAsyncIterable,
  isIterable,
} from '@sabkit/multiprocessing/internal';
import { checkConnection } from '../connection.js';
import { keyBytes } from '../protocol/sign.js';
import { CALLER_TTL_MS } from '../protocol/wire.js';
import { type ClusterTask, wireTask } from '../protocol/task-ref.js';
import { Call } from './call.js';
import { Dispatcher } from './dispatcher.js';
import { runMap } from './map-plan.js';
import { guardIterator } from './abortable-iter.js';
import type {
  ApplyOptions,
  CallOptions,
  ClusterImapOptions,
  ClusterMapAsyncOptions,
  ClusterMapOptions,
  ClusterPoolOptions,
} from './options.js';

const RUN = 'running';
const CLOSE = 'closed';
const TERMINATE = 'terminated';

/**
 * The local `Pool`'s API over BullMQ and Redis: `new ClusterPool({ connection, queue, key? })`;
 * `map`, `imap`, `apply`, their `…Async` forms and `AsyncResult`, each also taking
 * `{ signal, onProgress }`. Timeouts are ms. After `close()` or `terminate()` calls throw
 * `ClosedError`; bad options throw `InvalidArgumentError` naming the option.
 */
export class ClusterPool implements AsyncDisposable {
  readonly #d: Dispatcher;
  readonly #maxInFlight: number;
  #state: typeof RUN | typeof CLOSE | typeof TERMINATE = RUN;
  readonly #calls = new Set<Call>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #iterators = new Set<ChunkedResultIterator<unknown>>();
  #ended: Promise<void> | undefined;

  constructor(options: ClusterPoolOptions) {
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError(`ClusterPool(options): options must be an object, got ${describe(options)}`);
    const connection = checkConnection(options.connection, 'ClusterPool: connection');
    if (typeof options.queue !== 'string' || options.queue === '')
      throw new InvalidArgumentError(`ClusterPool: queue must be a non-empty name, got ${describe(options.queue)}`);
    const attempts = options.attempts === undefined ? 1 : checkPositiveInt(options.attempts, 'ClusterPool: attempts');
    this.#maxInFlight =
      options.maxChunksInFlight === undefined
        ? 16
        : checkPositiveInt(options.maxChunksInFlight, 'ClusterPool: maxChunksInFlight');
    this.#d = new Dispatcher({
      connection,
      queue: options.queue,
      prefix: options.prefix ?? 'bull',
      key: options.key === undefined ? undefined : keyBytes(options.key, 'ClusterPool: key'),
      callerTtl:
        options.callerTtl === undefined ? CALLER_TTL_MS : checkPositiveInt(options.callerTtl, 'ClusterPool: callerTtl'),
      jobOptions: {
        attempts,
        ...(options.backoff === undefined ? {} : { backoff: options.backoff as never }),
      },
    });
  }

  /** 'running', 'closed' or 'terminated'. */
  get state(): string {
    return this.#state;
  }

  /**
   * Counters since the pool started: chunks sent, settled, completions dropped as duplicates,
   * chunks sent again (their job was lost), chunks a worker skipped.
   */
  get stats(): Readonly<Dispatcher['stats']> {
    return { ...this.#d.stats };
  }

  /** Connects to Redis (every call does this on its own; await it to fail early). */
  ready(): Promise<void> {
    return this.#d.start();
  }

  #checkRunning(method: string): void {
    if (this.#state !== RUN) throw new ClosedError(`ClusterPool.${method}(): pool not running (it was ${this.#state})`);
  }

  #call(fn: unknown, star: boolean, method: string, opts: CallOptions | undefined): Call {
    this.#checkRunning(method);
    const spec = wireTask(fn, 'fn');
    const o = opts ?? {};
    if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
      throw new InvalidArgumentError(
        `ClusterPool.${method}(): signal must be an AbortSignal, got ${describe(o.signal)}`,
      );
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
      throw new InvalidArgumentError(
        `ClusterPool.${method}(): onProgress must be a function, got ${describe(o.onProgress)}`,
      );
    const call = new Call(this.#d, spec, star, method, o);
    this.#calls.add(call);
    return call;
  }

  #track<T>(call: Call, run: () => Promise<T>): Promise<T> {
    const p = call.guard(this.#d.start().then(run));
    const tracked = p.finally(() => {
      this.#calls.delete(call);
      this.#pending.delete(tracked);
    });
    this.#pending.add(tracked);
    tracked.catch(() => {});
    return tracked;
  }

  /** Python's apply: `fn(...args)` on a worker; resolves to its result. */
  async apply<A extends unknown[], R>(fn: ClusterTask<A, R>, args?: A, options?: CallOptions): Promise<R> {
    return this.applyAsync(fn, args, options).get();
  }

  /** Python's apply_async: an AsyncResult at once. */
  applyAsync<A extends unknown[], R>(fn: ClusterTask<A, R>, args?: A, options?: ApplyOptions<R>): AsyncResult<R> {
    const list = args ?? [];
    if (!Array.isArray(list))
      throw new InvalidArgumentError(
        `ClusterPool.applyAsync(): args must be an array of arguments, got ${describe(args)}`,
      );
    const cbs = checkCallbacks(options as ResultCallbacks<R> | undefined, 'ClusterPool.applyAsync()');
    const call = this.#call(fn, true, 'apply', options);
    const p = this.#track(call, async () => (await call.send([{ items: [list], offset: 0 }])[0]).values[0] as R);
    return new AsyncResult(p, cbs);
  }

  /** Python's map: results in input order. `options`: the chunksize, or { chunksize, signal, onProgress }. */
  async map<T, R>(
    fn: ClusterTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: number | ClusterMapOptions,
  ): Promise<R[]> {
    return this.#mapAsync(fn, iterable, options, false, 'map').get() as Promise<R[]>;
  }

  mapAsync<T, R>(
    fn: ClusterTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: number | ClusterMapAsyncOptions<R[]>,
  ): AsyncResult<R[]> {
    return this.#mapAsync(fn, iterable, options as number | undefined, false, 'mapAsync') as AsyncResult<R[]>;
  }

  /** Python's starmap: `fn(...args)` for every argument list, in input order. */
  async starmap<A extends unknown[], R>(
    fn: ClusterTask<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options?: number | ClusterMapOptions,
  ): Promise<R[]> {
    return this.#mapAsync(fn, iterable, options, true, 'starmap').get() as Promise<R[]>;
  }

  starmapAsync<A extends unknown[], R>(
    fn: ClusterTask<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options?: number | ClusterMapAsyncOptions<R[]>,
  ): AsyncResult<R[]> {
    return this.#mapAsync(fn, iterable, options as number | undefined, true, 'starmapAsync') as AsyncResult<R[]>;
  }

  #mapAsync(
    fn: unknown,
    iterable: unknown,
    options: number | ClusterMapAsyncOptions<never> | undefined,
    star: boolean,
    method: string,
  ): AsyncResult<unknown[]> {
    const opts = typeof options === 'number' ? { chunksize: options } : options;
    if (opts !== undefined && (typeof opts !== 'object' || opts === null))
      throw new InvalidArgumentError(
        `ClusterPool.${method}(): the third argument must be a chunksize or { chunksize, signal, onProgress, ` +
          `callback, errorCallback }, got ${describe(options)}`,
      );
    const chunksize =
      opts?.chunksize === undefined
        ? undefined
        : checkPositiveInt(opts.chunksize, `ClusterPool.${method}(): chunksize`);
    const cbs = checkCallbacks(opts as ResultCallbacks<unknown[]> | undefined, `ClusterPool.${method}()`);
    if (!isIterable(iterable) && !isAsyncIterable(iterable)) throw notIterable(iterable, method);
    const call = this.#call(fn, star, method, opts);
    const p = this.#track(call, async () => {
      const items = Array.isArray(iterable) ? iterable : await collect(iterable);
      return runMap(call, items, chunksize, () => this.#d.slots());
    });
    return new AsyncResult(p, cbs);
  }

  /** Python's imap: an async iterator of results in input order, at most maxChunksInFlight read ahead. */
  imap<T, R>(
    fn: ClusterTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: number | ClusterImapOptions = 1,
  ): AsyncIterableIterator<R> {
    return this.#imap(fn, iterable, options, true, 'imap') as AsyncIterableIterator<R>;
  }

  /** Python's imap_unordered: as imap, in completion order. */
  imapUnordered<T, R>(
    fn: ClusterTask<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: number | ClusterImapOptions = 1,
  ): AsyncIterableIterator<R> {
    return this.#imap(fn, iterable, options, false, 'imapUnordered') as AsyncIterableIterator<R>;
  }

  #imap(
    fn: unknown,
    iterable: unknown,
    options: number | ClusterImapOptions,
    ordered: boolean,
    method: string,
  ): AsyncIterableIterator<unknown> {
    const opts: ClusterImapOptions = typeof options === 'number' ? { chunksize: options } : options;
    if (typeof opts !== 'object' || opts === null)
      throw new InvalidArgumentError(
        `ClusterPool.${method}(): the third argument must be a chunksize or { chunksize, maxChunksInFlight, ` +
          `signal, onProgress }, got ${describe(options)}`,
      );
    const chunksize =
      opts.chunksize === undefined ? 1 : checkPositiveInt(opts.chunksize, `ClusterPool.${method}(): chunksize`);
    const maxInFlight =
      opts.maxChunksInFlight === undefined
        ? this.#maxInFlight
        : checkPositiveInt(opts.maxChunksInFlight, `ClusterPool.${method}(): maxChunksInFlight`);
    if (!isIterable(iterable) && !isAsyncIterable(iterable)) throw notIterable(iterable, method);
    const call = this.#call(fn, false, method, opts);
    const it = new ChunkedResultIterator<unknown>(
      async (items, offset) => {
        await this.#d.start();
        return (await call.send([{ items, offset }])[0]).values;
      },
      iterable as Iterable<unknown>,
      chunksize,
      maxInFlight,
      ordered,
    );
    this.#iterators.add(it);
    void it.fed.then(() => {
      this.#iterators.delete(it);
      this.#calls.delete(call);
    });
    return guardIterator(it, call, opts.signal);
  }

  /** Python's close: no new calls; what was submitted still runs. */
  close(): void {
    if (this.#state !== RUN) return;
    this.#state = CLOSE;
    for (const it of this.#iterators) it.flush();
  }

  /**
   * Python's terminate: every pending call rejects with ClosedError, its chunks still waiting are
   * removed from the queue (running ones finish on their workers, unheard), and the connections close.
   */
  terminate(): Promise<void> {
    if (this.#state !== TERMINATE) {
      this.#state = TERMINATE;
      const e = new ClosedError('ClusterPool: the pool was terminated before this call finished');
      for (const call of this.#calls) call.end(e);
      this.#calls.clear();
    }
    this.#ended ??= this.#d.close();
    return this.#ended;
  }

  /** Python's join: after close(), waits for every call, then closes the connections. */
  async join(): Promise<void> {
    if (this.#state === RUN)
      throw new InvalidStateError('ClusterPool.join(): the pool is still running; call close() or terminate() first');
    while (this.#state === CLOSE && (this.#iterators.size > 0 || this.#pending.size > 0)) {
      await Promise.all([...this.#iterators].map((it) => it.fed));
      await Promise.allSettled([...this.#pending]);
    }
    this.#ended ??= this.#d.close();
    await this.#ended;
  }

  /** `await using pool = new ClusterPool(...)`: terminates on leaving the block, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }
}

function notIterable(iterable: unknown, method: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `ClusterPool.${method}(): iterable must be an iterable or an async iterable, got ${describe(iterable)}`,
  );
}

async function collect(iterable: unknown): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of iterable as AsyncIterable<unknown>) out.push(x);
  return out;
}
