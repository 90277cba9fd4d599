/**
 * SimpleQueue: Python's `multiprocessing.SimpleQueue`: get, put, empty, close and nothing else
 * (no maxsize, no qsize), plus what every blocking call has here (docs/conventions.md): an optional
 * timeout last (Empty/Full when it runs out, as Queue's) and an async form.
 *
 * Layout: exactly a Queue's (queue.ts), magic SIMPLE_QUEUE_MAGIC, MAX_COUNT 0:
 *
 *     0  Int32  MAGIC     SIMPLE_QUEUE_MAGIC
 *     4  Int32  (unused, 0)
 *    64  ring header (ring.ts)
 *   448  ring data (capacity bytes)
 *
 * Unlike Python's, whose put never blocks (a pipe plus a feeder thread absorb the data), put here
 * waits while the ring has no room for the item: the ring is the only buffer. Items larger than
 * half the ring travel in chunks, so any item fits eventually.
 *
 * Layout: docs/layouts/queue.md
 */
import { ClosedError, Empty, Full } from '../errors.js';
import {
  FLAG_WRITE_CLOSED,
  R_DONE,
  R_TIMEOUT,
  type RecordRing,
  SINK_VALUE,
  W_DONE,
  W_TIMEOUT,
  newSink,
} from './ring.js';
import { readAsync, readSync, syncValueSink, writeValueAsync, writeValueSync } from './ring-ops.js';
import { type WaitArg, syncDeadline, timeoutOf, waitArgs } from '../runtime/wait.js';
import {
  QUEUE_ALIGNMENT,
  QUEUE_ATTACH,
  SIMPLE_QUEUE_MAGIC,
  openQueueRegion,
  prepareAttach,
  queueByteLength,
} from './queue.js';
import { type SharedRegion, attachNew, defineShared, registerKind } from '../runtime/shared.js';

const KIND = 'SimpleQueue';

/** Options of `new SimpleQueue()`. */
export interface SimpleQueueOptions extends SharedRegion {
  /** Bytes of the ring (rounded up to a power of two, 64 .. 2^28). Default 256 KiB. */
  readonly capacityBytes?: number;
}

/** Python's `multiprocessing.SimpleQueue`. Revive a clone in a worker with `SimpleQueue.from`. */
export class SimpleQueue<T = unknown> {
  static readonly ALIGNMENT = QUEUE_ALIGNMENT;
  static byteLength(capacityBytes?: number): number {
    return queueByteLength(capacityBytes);
  }

  declare readonly __sabkit: 'SimpleQueue';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  readonly #ring: RecordRing;

  constructor(options?: SimpleQueueOptions);
  constructor(options?: SimpleQueueOptions, attach?: symbol) {
    const { buffer, byteOffset, ring } = openQueueRegion(KIND, SIMPLE_QUEUE_MAGIC, options, false, attach);
    defineShared(this, KIND, buffer, byteOffset);
    this.#ring = ring;
  }

  /** Attaches to an existing SimpleQueue (its structured clone, or a live one). */
  static from<T = unknown>(value: unknown): SimpleQueue<T> {
    return attachNew(SimpleQueue<T>, prepareAttach(value, KIND, SIMPLE_QUEUE_MAGIC), QUEUE_ATTACH);
  }

  /**
   * Puts an item, waiting while the ring has no room. Throws ClosedError after close(). Python's
   * SimpleQueue.put has no timeout; this one takes one as every blocking call does (undefined: as
   * long as it takes) and throws Full, as Queue.put, when it runs out.
   */
  put(item: T, timeout?: number | null): void {
    const deadline = syncDeadline(timeout, 'SimpleQueue.put', 'python');
    this.#putResult(writeValueSync(this.#ring, item, deadline, 'SimpleQueue.put'), timeout);
  }

  /** `put` without blocking the thread; `wait`: put's timeout or `{ timeout, signal }` (abort: nothing is put). */
  async putAsync(item: T, wait?: WaitArg): Promise<void> {
    const [deadline, signal] = waitArgs(wait, 'SimpleQueue.putAsync');
    this.#putResult(await writeValueAsync(this.#ring, item, deadline, signal, 'SimpleQueue.putAsync'), timeoutOf(wait));
  }

  /**
   * Removes and returns the next item, waiting for one (at most `timeout` ms if given: then Empty,
   * as Queue.get). Throws ClosedError once closed and drained.
   */
  get(timeout?: number | null): T {
    const deadline = syncDeadline(timeout, 'SimpleQueue.get', 'python');
    const sink = syncValueSink();
    return this.#got(readSync(this.#ring, sink, deadline, 'SimpleQueue.get'), sink.value as T, 'get', timeout);
  }

  /** `get` without blocking the thread; `wait`: get's timeout or `{ timeout, signal }`. */
  async getAsync(wait?: WaitArg): Promise<T> {
    const [deadline, signal] = waitArgs(wait, 'SimpleQueue.getAsync');
    const sink = newSink(SINK_VALUE);
    return this.#got(
      await readAsync(this.#ring, sink, deadline, signal, 'SimpleQueue.getAsync'),
      sink.value as T,
      'getAsync',
      timeoutOf(wait),
    );
  }

  /** Approximate (two counters read one after the other): true if no item was in the queue. */
  empty(): boolean {
    return this.#ring.count() === 0;
  }

  /** Closes for every thread: puts throw ClosedError, gets drain what is left and then throw it. */
  close(): void {
    this.#ring.setFlags(FLAG_WRITE_CLOSED);
  }

  get closed(): boolean {
    return (Atomics.load(this.#ring.i32, this.#ring.flags) & FLAG_WRITE_CLOSED) !== 0;
  }

  #putResult(st: number, timeout: number | null | undefined): void {
    if (st === W_DONE) return;
    if (st === W_TIMEOUT)
      throw new Full(`SimpleQueue.put: the queue's ring had no room for the item for ${timeout} ms`);
    throw new ClosedError('SimpleQueue.put: the queue is closed');
  }

  #got(st: number, value: T, op: string, timeout: number | null | undefined): T {
    if (st === R_DONE) return value;
    if (st === R_TIMEOUT) throw new Empty(`SimpleQueue.${op}: the queue stayed empty for ${timeout} ms`);
    throw new ClosedError(`SimpleQueue.${op}: the queue is closed and everything put before the close has been taken`);
  }
}

registerKind(KIND, (d) => SimpleQueue.from(d));
