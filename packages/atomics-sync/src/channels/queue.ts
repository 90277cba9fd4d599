/**
 * Queue: Python's `multiprocessing.Queue` (and `queue.Queue`) on shared memory: a multi-producer,
 * multi-consumer FIFO of any structured-cloneable value, bounded by `maxsize` items and by the
 * bytes of its ring.
 *
 * Layout (Queue.byteLength(capacity) bytes, Queue.ALIGNMENT = 8), from the object's byteOffset:
 *
 *     0  Int32  MAGIC          QUEUE_MAGIC / SIMPLE_QUEUE_MAGIC / JOINABLE_QUEUE_MAGIC, written
 *                              last by the constructor; `from` refuses a region without it
 *     4  Int32  UNFINISHED     JoinableQueue: items put and not yet taskDone() (0 for the others)
 *     8  Int32  JOIN_PARKED    JoinableQueue: join() callers parked on UNFINISHED
 *    64  ring header (ring.ts, RING_HEADER_BYTES = 384: capacity, maxsize, flags, locks, TAIL, HEAD, counts)
 *   448  ring data (capacity bytes, a power of two)
 *
 * All-zero state words are an empty, open queue; the constructor writes MAGIC and the ring's
 * capacity and maxsize (there is no sensible capacity for all-zero memory to mean), and `from`
 * reads and checks them, so a clone needs no other fields than kind, buffer and byteOffset.
 *
 * Items are encoded by codec.ts (fast paths for numbers, strings, bigint, typed arrays; V8's
 * serializer, i.e. structured clone semantics, for the rest) straight into the ring. An item larger
 * than half the ring travels in chunks (the producer keeps the producers' lock for the whole item,
 * so chunks of two producers never interleave); items up to MAX_MESSAGE_BYTES are carried, larger
 * ones are refused with PayloadTooLargeError.
 *
 * Crashes: a consumer thread that dies (terminate(), uncaught error) inside get loses at most the
 * item it was taking, and other consumers take its lock over after ROBUST_POLL_MS (lock-core.ts);
 * if it had begun a chunked item, the rest of that item is skipped. A producer that dies inside put
 * loses at most its own item; a consumer receiving that item in chunks drops the partial item. A
 * holder whose death cannot be known (liveness.ts) makes a long timed-out get throw StuckHolderError
 * instead of Empty (ring-ops.ts). A put that gives up leaves the queue unchanged (ring-slow.ts).
 *
 * Layout: docs/layouts/queue.md
 */
import { ClosedError, Empty, Full, InvalidArgumentError, ReviveError, describe } from '../errors.js';
import { assertOwnerIdFits } from '../sync/lock-core.js';
import {
  FLAG_WRITE_CLOSED,
  R_CLOSED,
  R_DONE,
  R_ENDED,
  RING_HEADER_BYTES,
  RecordRing,
  W_DONE,
  W_READ_CLOSED,
  W_WRITE_CLOSED,
  initRing,
  newSink,
  SINK_VALUE,
} from './ring.js';
import { readAsync, readSync, ringCapacity, syncValueSink, writeValueAsync, writeValueSync } from './ring-ops.js';
import { type WaitArg, syncDeadline, timeoutOf, waitArgs } from '../runtime/wait.js';
import {
  type SharedDescriptor,
  type SharedRegion,
  allocateRegion,
  attachNew,
  checkRegion,
  defineShared,
  expectDescriptor,
  registerKind,
} from '../runtime/shared.js';

export const QUEUE_HEADER_BYTES = 64;
export const QUEUE_ALIGNMENT = 8;
/** Default ring size: items up to half of it (128 KiB) travel in one record. */
export const DEFAULT_QUEUE_CAPACITY = 256 * 1024;
export const Q_MAGIC = 0;
export const Q_UNFINISHED = 1;
export const Q_JOIN_PARKED = 2;
export const QUEUE_MAGIC = 0x51554555; // "QUEU"
export const SIMPLE_QUEUE_MAGIC = 0x53515545; // "SQUE"
export const JOINABLE_QUEUE_MAGIC = 0x4a515545; // "JQUE"

/** Options of `new Queue()`. */
export interface QueueOptions extends SharedRegion {
  /** Most items the queue holds; 0 (or negative, as in Python) = no item limit. Default 0. */
  readonly maxsize?: number;
  /** Bytes of the ring (rounded up to a power of two, 64 .. 2^28). Default 256 KiB. */
  readonly capacityBytes?: number;
}

/** A serialised queue (what structured clone makes of one). */
export interface QueueDescriptor extends SharedDescriptor {
  readonly __sabkit: 'Queue' | 'SimpleQueue' | 'JoinableQueue';
}

/** Bytes a queue with this ring capacity occupies. */
export function queueByteLength(capacityBytes: number = DEFAULT_QUEUE_CAPACITY): number {
  return (
    QUEUE_HEADER_BYTES + RING_HEADER_BYTES + ringCapacity(capacityBytes, DEFAULT_QUEUE_CAPACITY, 'Queue.byteLength')
  );
}

/**
 * The hidden last argument of the queue constructors, passed by their `from` (through attachNew):
 * `options` is then a checked region that already holds a queue, to attach to, not initialise.
 * @internal
 */
export const QUEUE_ATTACH = Symbol('Queue: attach');

/**
 * Creates the ring of a queue of `kind`, or attaches to an existing one when `attach` is
 * QUEUE_ATTACH. Shared by Queue, JoinableQueue and SimpleQueue.
 * @internal
 */
export function openQueueRegion(
  kind: string,
  magic: number,
  options: QueueOptions | undefined,
  maxsizeAllowed: boolean,
  attach: symbol | undefined,
): { buffer: SharedArrayBuffer; byteOffset: number; ring: RecordRing } {
  if (attach === QUEUE_ATTACH) {
    const { buffer, byteOffset } = options as Required<SharedRegion>;
    return { buffer, byteOffset, ring: new RecordRing(kind, buffer, byteOffset + QUEUE_HEADER_BYTES) };
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError(
      `${kind}: options must be an object ({ maxsize?, capacityBytes?, buffer?, byteOffset? }) or ` +
        `undefined, got ${describe(options)}`,
    );
  }
  let maxsize = 0;
  if (maxsizeAllowed && options?.maxsize !== undefined) {
    const m = options.maxsize;
    if (typeof m !== 'number' || !Number.isInteger(m) || m > 0x3fffffff) {
      throw new InvalidArgumentError(
        `${kind}: maxsize must be an integer up to ${0x3fffffff} (0 or negative = no limit, as in Python), ` +
          `got ${describe(m)}`,
      );
    }
    maxsize = Math.max(m, 0);
  }
  const capacity = ringCapacity(options?.capacityBytes, DEFAULT_QUEUE_CAPACITY, kind);
  assertOwnerIdFits(kind);
  const { buffer, byteOffset } = allocateRegion(
    kind,
    QUEUE_HEADER_BYTES + RING_HEADER_BYTES + capacity,
    QUEUE_ALIGNMENT,
    options,
  );
  const i32 = new Int32Array(buffer);
  const b = byteOffset >> 2;
  for (let i = 0; i < QUEUE_HEADER_BYTES / 4; i++) Atomics.store(i32, b + i, 0);
  initRing(i32, (byteOffset + QUEUE_HEADER_BYTES) >> 2, capacity, maxsize);
  Atomics.store(i32, b + Q_MAGIC, magic);
  return { buffer, byteOffset, ring: new RecordRing(kind, buffer, byteOffset + QUEUE_HEADER_BYTES) };
}

/** Validates a queue descriptor of `kind` and returns the region to attach to. @internal */
export function prepareAttach(value: unknown, kind: string, magic: number): Required<SharedRegion> {
  const d = expectDescriptor<QueueDescriptor>(value, kind);
  checkRegion(kind, d.buffer, d.byteOffset, QUEUE_HEADER_BYTES + RING_HEADER_BYTES, QUEUE_ALIGNMENT);
  const seen = Atomics.load(new Int32Array(d.buffer, d.byteOffset, 1), Q_MAGIC);
  if (seen !== magic) {
    throw new ReviveError(
      `${kind}.from(value): there is no ${kind} at byteOffset ${d.byteOffset} of the buffer (magic word ` +
        `${seen}, expected ${magic})`,
    );
  }
  return { buffer: d.buffer, byteOffset: d.byteOffset };
}

/**
 * Python's `multiprocessing.Queue`. Share it by sending it to a worker (postMessage, workerData,
 * a pool task's arguments) and calling `Queue.from(value)` (or `revive(value)`) there.
 *
 * Timeouts are milliseconds; `put` raises Full and `get` raises Empty when they run out, as in
 * Python. Sync forms block the thread (use them in workers); async forms never block the event loop.
 */
export class Queue<T = unknown> {
  static readonly ALIGNMENT = QUEUE_ALIGNMENT;
  /** Kind and magic word of the instances this class constructs (JoinableQueue overrides them). */
  protected static readonly kind: 'Queue' | 'JoinableQueue' = 'Queue';
  protected static readonly magic: number = QUEUE_MAGIC;
  /** Bytes a queue with this ring capacity occupies (for placing it in your own buffer). */
  static byteLength(capacityBytes?: number): number {
    return queueByteLength(capacityBytes);
  }

  declare readonly __sabkit: 'Queue' | 'JoinableQueue';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  readonly #ring: RecordRing;
  readonly #kind: string;
  // Names for error messages, built once: a template string per call showed up in profiles.
  readonly #putName: string;
  readonly #getName: string;

  /**
   * A new, empty, open queue. With `buffer` (and `byteOffset`), it lives there (Queue.byteLength
   * bytes, 8-aligned) and its header is initialised: do not construct over a live queue, attach
   * to it with `Queue.from`.
   */
  constructor(options?: QueueOptions);
  constructor(options?: QueueOptions, attach?: symbol) {
    const C = new.target as unknown as { kind: 'Queue' | 'JoinableQueue'; magic: number };
    const kind = C.kind;
    const { buffer, byteOffset, ring } = openQueueRegion(kind, C.magic, options, true, attach);
    defineShared(this, kind, buffer, byteOffset);
    this.#ring = ring;
    this.#kind = kind;
    this.#putName = `${kind}.put`;
    this.#getName = `${kind}.get`;
  }

  /** Attaches to an existing Queue (its structured clone, or a live one) without initialising it. */
  static from<T = unknown>(value: unknown): Queue<T> {
    return attachNew(Queue<T>, prepareAttach(value, 'Queue', QUEUE_MAGIC), QUEUE_ATTACH);
  }

  /** The item limit (0 = none). */
  get maxsize(): number {
    return this.#ring.maxCount;
  }

  /** The ring's size in bytes (items larger than half of it travel in chunks). */
  get capacityBytes(): number {
    return this.#ring.capacity;
  }

  /** True once close() was called (by any thread). */
  get closed(): boolean {
    return (Atomics.load(this.#ring.i32, this.#ring.flags) & FLAG_WRITE_CLOSED) !== 0;
  }

  /**
   * Puts `item` at the tail, waiting up to `timeout` ms for room (undefined, null, Infinity: as
   * long as it takes; 0 or negative: not at all, as multiprocessing's). Throws Full if there is
   * still no room (Python's put(item, True, timeout)), ClosedError if the queue is closed,
   * InvalidArgumentError if the item cannot be encoded (nothing is put), PayloadTooLargeError past
   * MAX_MESSAGE_BYTES.
   */
  put(item: T, timeout?: number | null): void {
    const what = this.#putName;
    const deadline = syncDeadline(timeout, what, 'python');
    this.#putResult(writeValueSync(this.#ring, item, deadline, what), timeout);
  }

  /** Python's put_nowait: puts only if there is room right now, else throws Full. */
  putNowait(item: T): void {
    this.put(item, 0);
  }

  /**
   * `put` without blocking the thread. With a signal, aborting rejects with its reason and the
   * item is not put (an item already half-sent in chunks is withdrawn: consumers drop its part).
   */
  async putAsync(item: T, wait?: WaitArg): Promise<void> {
    const what = `${this.#kind}.putAsync`;
    const [deadline, signal] = waitArgs(wait, what);
    this.#putResult(await writeValueAsync(this.#ring, item, deadline, signal, what), timeoutOf(wait));
  }

  /**
   * Removes and returns the item at the head, waiting up to `timeout` ms (undefined, null,
   * Infinity: as long as it takes; 0 or negative: not at all). Throws Empty if none came (Python's
   * get(True, timeout)), ClosedError once the queue is closed and everything put before the close
   * has been taken. An item that is arriving in chunks when the timeout runs out is still received
   * (its producer is writing it).
   */
  get(timeout?: number | null): T {
    const what = this.#getName;
    const deadline = syncDeadline(timeout, what, 'python');
    const sink = syncValueSink();
    const st = readSync(this.#ring, sink, deadline, what);
    if (st === R_DONE) return sink.value as T;
    throw this.#getError(st, timeout);
  }

  /** Python's get_nowait: an item if one is there right now, else throws Empty. */
  getNowait(): T {
    return this.get(0);
  }

  /**
   * `get` without blocking the thread. Aborting rejects with the signal's reason and takes no
   * item, except that an item already arriving in chunks is received to its end and returned.
   */
  async getAsync(wait?: WaitArg): Promise<T> {
    const [deadline, signal] = waitArgs(wait, `${this.#kind}.getAsync`);
    const sink = newSink(SINK_VALUE);
    const st = await readAsync(this.#ring, sink, deadline, signal, `${this.#kind}.getAsync`);
    if (st === R_DONE) return sink.value as T;
    throw this.#getError(st, timeoutOf(wait));
  }

  /**
   * Approximate number of items in the queue: items put minus items taken, two counters read one
   * after the other. Stale by whatever puts and gets complete during and after the call; an item
   * still being written (in chunks) is not counted yet, an item being taken is counted until its
   * get returns. Never negative.
   */
  qsize(): number {
    return this.#ring.count();
  }

  /** Approximate, as qsize(): true if no items were in the queue at the moment of reading. */
  empty(): boolean {
    return this.#ring.count() === 0;
  }

  /**
   * Approximate, as qsize(): true if maxsize items were in the queue. Always false for maxsize 0:
   * the byte bound depends on the next item's size (put then waits, or throws Full on timeout).
   */
  full(): boolean {
    const m = this.#ring.maxCount;
    return m > 0 && this.#ring.count() >= m;
  }

  /**
   * Closes the queue for every thread: later puts throw ClosedError; gets return what is left, then
   * throw ClosedError. A put that is already writing finishes. Idempotent. (Python's close() is per
   * process because its queue is per-process pipe ends; shared memory has one state for all.)
   */
  close(): void {
    this.#ring.setFlags(FLAG_WRITE_CLOSED);
  }

  #putResult(st: number, timeout: number | null | undefined): void {
    if (st === W_DONE) return;
    if (st === W_WRITE_CLOSED || st === W_READ_CLOSED) throw new ClosedError(`${this.#kind}.put: the queue is closed`);
    throw new Full(
      `${this.#kind}.put: the queue is full (maxsize ${this.#ring.maxCount}, ${this.#ring.capacity} bytes) ` +
        `and stayed full for ${timeout} ms`,
    );
  }

  #getError(st: number, timeout: number | null | undefined): Error {
    if (st === R_ENDED || st === R_CLOSED)
      return new ClosedError(
        `${this.#kind}.get: the queue is closed and everything put before the close has been taken`,
      );
    return new Empty(`${this.#kind}.get: the queue stayed empty for ${timeout} ms`);
  }
}

registerKind('Queue', (d) => Queue.from(d));
