/**
 * SimpleQueue: Python's `multiprocessing.SimpleQueue`: get, put, empty, close and nothing else
 * (no maxsize, no timeouts, no qsize), plus the async forms every blocking call has here.
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
import { ClosedError } from '../errors.js';
import { FLAG_WRITE_CLOSED, R_DONE, RecordRing, SINK_VALUE, W_DONE, newSink } from './ring.js';
import { type WaitOptions, asyncOptions, mayBlock, readAsync, readSync, syncValueSink, writeValueAsync, writeValueSync } from './ring-ops.js';
import { SIMPLE_QUEUE_MAGIC, prepareAttach, openQueueRegion, queueByteLength, QUEUE_ALIGNMENT } from './queue.js';
import { type SharedRegion, defineShared, registerKind } from '../runtime/shared.js';

const KIND = 'SimpleQueue';

/** Options of `new SimpleQueue()`. */
export interface SimpleQueueOptions extends SharedRegion {
  /** Bytes of the ring (rounded up to a power of two, 64 .. 2^28). Default 256 KiB. */
  readonly capacityBytes?: number;
}

/** Options of SimpleQueue's async calls: only a signal (SimpleQueue has no timeouts). */
export type SimpleQueueWaitOptions = Pick<WaitOptions, 'signal'>;

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

  constructor(options?: SimpleQueueOptions) {
    const { buffer, byteOffset, ring } = openQueueRegion(KIND, SIMPLE_QUEUE_MAGIC, options, false);
    defineShared(this, KIND, buffer, byteOffset);
    this.#ring = ring;
  }

  /** Attaches to an existing SimpleQueue (its structured clone, or a live one). */
  static from<T = unknown>(value: unknown): SimpleQueue<T> {
    prepareAttach(value, KIND, SIMPLE_QUEUE_MAGIC);
    return new SimpleQueue<T>();
  }

  /** Puts an item, waiting while the ring has no room. Throws ClosedError after close(). */
  put(item: T): void {
    mayBlock(Infinity, 'SimpleQueue.put');
    this.#putResult(writeValueSync(this.#ring, item, Infinity, 'SimpleQueue.put'));
  }

  async putAsync(item: T, options?: SimpleQueueWaitOptions): Promise<void> {
    const [, signal] = asyncOptions(options, 'SimpleQueue.putAsync');
    this.#putResult(await writeValueAsync(this.#ring, item, Infinity, signal, 'SimpleQueue.putAsync'));
  }

  /** Removes and returns the next item, waiting for one. Throws ClosedError once closed and drained. */
  get(): T {
    mayBlock(Infinity, 'SimpleQueue.get');
    const sink = syncValueSink();
    if (readSync(this.#ring, sink, Infinity, 'SimpleQueue.get') === R_DONE) return sink.value as T;
    throw this.#closed('get');
  }

  async getAsync(options?: SimpleQueueWaitOptions): Promise<T> {
    const [, signal] = asyncOptions(options, 'SimpleQueue.getAsync');
    const sink = newSink(SINK_VALUE);
    if ((await readAsync(this.#ring, sink, Infinity, signal)) === R_DONE) return sink.value as T;
    throw this.#closed('getAsync');
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

  #putResult(st: number): void {
    if (st !== W_DONE) throw new ClosedError('SimpleQueue.put: the queue is closed');
  }

  #closed(op: string): ClosedError {
    return new ClosedError(`SimpleQueue.${op}: the queue is closed and everything put before the close has been taken`);
  }
}

registerKind(KIND, (d) => SimpleQueue.from(d));
