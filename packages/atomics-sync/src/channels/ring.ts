/**
 * The record ring: a byte ring of variable-length records in shared memory, the raw state machine
 * under Queue, SimpleQueue, JoinableQueue and Pipe's Connections (their typed wrappers).
 *
 * Each side (writers, readers) is serialised by its own robust lock (lock-core.ts, owner thread in
 * the word): Michael & Scott's two-lock queue ("Simple, Fast, and Practical Non-Blocking and
 * Blocking Concurrent Queue Algorithms", PODC 1996), so a put and a get never contend with each
 * other, only with their own kind. Inside its lock a side is the single producer or single consumer
 * of a Lamport ring ("Specifying concurrent program modules", TOPLAS 1983): HEAD and TAIL are
 * free-running byte counters, each stored by one side and read by the other. Each side keeps the
 * other side's counter as last seen (HEAD_SEEN, TAIL_SEEN, in its own cache line) and re-reads the
 * real one only when the cached value says full or empty (MCRingBuffer's "cache-line protection",
 * Lee, Bu & Chandranmenon, IPDPS 2010), so a streaming pair does not bounce each other's lines on
 * every message. Records are contiguous: one that does not fit before the end of the data area is
 * preceded by a PAD record to the end, as Linux's BPF ring buffer and ringbuf.js do, so values are
 * encoded straight into the ring with no staging copy. Why locks rather than Vyukov's lock-free
 * bounded MPMC queue: a Vyukov slot claimed by a thread that then dies is never released and stops
 * every producer one lap later; a dead lock holder is detected (liveness table) and taken over.
 *
 * Layout (byte offsets from the ring's base; Int32 words; 8-byte aligned). Lines are 64 bytes,
 * laid out so that what one side writes on every message never shares a cache line with what the
 * other side reads on every message (when the base is 64-aligned, as sabkit's own buffers are):
 * TAIL and HEAD, the only words the other side polls, have a line each, away from the locks that
 * their own side compare-exchanges twice per message.
 *
 *   line 0   0  CAPACITY         data bytes, a power of two (written once by initRing)
 *            4  MAX_COUNT        messages the ring may hold, 0 = limited by bytes only (initRing)
 *            8  FLAGS            FLAG_WRITE_CLOSED | FLAG_READ_CLOSED
 *   line 1  64  WRITE_LOCK       writers' robust lock (lock-core.ts word; 0 = free)
 *           68  WRITE_COUNT      messages ever begun by writers (u32)          plain stores *
 *           72  HEAD_SEEN        HEAD as last read by a writer (<= HEAD)       plain *
 *           76  READ_COUNT_SEEN  READ_COUNT as last read by a writer          plain *
 *   line 2 128  TAIL             bytes ever published (u32, wraps; a multiple of 8, bit 0 =
 *                                CLOSED_MARK, bit 1 = WAITING_MARK)            Atomics.add by writers
 *   line 3 192  READ_LOCK        readers' robust lock
 *          196  READ_COUNT       ordinal + 1 of the last message consumed      plain stores *
 *          200  TAIL_SEEN        TAIL as last read by a reader (<= TAIL)       plain *
 *   line 4 256  HEAD             bytes ever consumed (u32, wraps; bits 0, 1 as TAIL's)
 *                                                                              Atomics.add by readers
 *   line 5 320  (reserved, 0)
 *   384 ..      data area, CAPACITY bytes of records
 *
 *   * Written with plain stores by the side's lock holder only: the lock orders them for the next
 *     holder. Other readers (qsize, a writer's maxsize check) read them racily and may see a
 *     value older than the latest, which only makes qsize stale and the maxsize check cautious.
 *     TAIL and HEAD change only by sequentially consistent read-modify-writes: they publish
 *     records and free space, and carry WAITING_MARK (ring-wait.ts). The side that moves
 *     one reads it plainly on its fast path (its lock orders the previous holder's add; only
 *     a mark can race in); the other side reads it with Atomics.load.
 *
 *   record (8-byte aligned, at data + (position & (CAPACITY - 1))):
 *     word 0   bits 0..27 LENGTH (payload bytes; for PAD: the whole pad's bytes)
 *              bits 28..30 KIND (KIND_*), bit 31 RAW (bytes from sendBytes, not an encoded value)
 *     word 1   ORDINAL: WRITE_COUNT when the message began (every record of a message has it)
 *     payload  LENGTH bytes, then padding to a multiple of 8. A FIRST record's payload begins with
 *              the message's total length (u32) and 4 zero bytes (FIRST_PREFIX_BYTES).
 *
 * All-zero state is an empty, open ring whose locks are free; only CAPACITY and MAX_COUNT must be
 * written (by `initRing`) before use, and `RecordRing`'s constructor (attach) validates them.
 *
 * Messages larger than half the data area travel as FIRST, MIDDLE..., LAST chunks while the writer
 * holds WRITE_LOCK for the whole message (so chunks of two writers never interleave) and the reader
 * holds READ_LOCK for the whole message. A writer that gives up mid-message (timeout, abort)
 * publishes an ABORT record; it always can, because chunk writes leave ABORT_RESERVE bytes free.
 * Crash recovery: a reader that finds a MIDDLE/LAST it did not start (its reader died mid-message)
 * skips it; a reader whose message's writer died (write lock free or its owner dead, and nothing
 * new) drops the partial message. Counts are self-healing: readers store READ_COUNT = ORDINAL + 1
 * (not an increment), so a reader that dies between the two stores of a take loses nothing from
 * the accounting.
 *
 * This file: layout, record format, the fast paths (one WHOLE record, no waiting) and the small
 * steps both paths share. ring-slow.ts: the slow paths (waiting, padding, chunks, orphans) as
 * generators; ring-wait.ts: their sync/async drivers; ring-ops.ts: locks + fast/slow dispatch and
 * the fast paths' short spins.
 *
 * Layout: docs/layouts/queue.md
 */
import { InvalidRegionError } from '../errors.js';
import * as Codec from '../codec/codec.js';

// Local bindings: in the CommonJS build an imported binding from another file is a getter per use.
const { decode, encodeInto } = Codec;

export const RING_HEADER_BYTES = 384;
export const RING_ALIGNMENT = 8;
export const MIN_RING_CAPACITY = 64;
export const MAX_RING_CAPACITY = 1 << 28;
/** Largest message (bytes of its encoding) a ring carries, chunked; larger ones are refused. */
export const MAX_MESSAGE_BYTES = 0x7fffffff;

export const R_CAPACITY = 0;
export const R_MAX_COUNT = 1;
export const R_FLAGS = 2;
export const R_WRITE_LOCK = 16;
export const R_WRITE_COUNT = 17;
export const R_HEAD_SEEN = 18;
export const R_READ_COUNT_SEEN = 19;
export const R_TAIL = 32;
export const R_READ_LOCK = 48;
export const R_READ_COUNT = 49;
export const R_TAIL_SEEN = 50;
export const R_HEAD = 64;

/**
 * TAIL and HEAD count bytes in multiples of 8, so their low 3 bits are free. Bit 0 of both is the
 * CLOSED_MARK: setFlags sets it (once; flags are never cleared) so that a waiter parked on TAIL or
 * HEAD with the value it saw before the close finds the word changed. Without it, a close landing
 * between a waiter's check of FLAGS and its Atomics.wait would be a lost wake-up (the notify finds
 * nobody yet, and the word waited on never changes). Positions are read through POSITION_MASK and
 * advanced with Atomics.add, which never carries into the low bits.
 */
export const CLOSED_MARK = 1;
/**
 * Bit 1 of TAIL: the read-lock holder is (about to be) parked on TAIL; of HEAD: the write-lock
 * holder on HEAD. The waiter ORs it in before it parks and clears it when it wakes; the other side
 * finds it in the value its publishing Atomics.add returns, so the hot path pays no extra load, and
 * takes it off before notifying, so a park costs one notify (ring-wait.ts has the argument).
 */
export const WAITING_MARK = 2;
export const POSITION_MASK = ~7;

/** No message may begin (a closed Queue, or the writing end of a pipe closed). */
export const FLAG_WRITE_CLOSED = 1;
/** Nobody will read again (the reading end of a pipe closed): writers fail at once. */
export const FLAG_READ_CLOSED = 2;

export const RECORD_HEADER_BYTES = 8;
export const FIRST_PREFIX_BYTES = 8;
export const ABORT_RESERVE = RECORD_HEADER_BYTES;
export const REC_LENGTH_MASK = 0x0fffffff;
export const REC_KIND_SHIFT = 28;
export const REC_RAW = 1 << 31;
export const KIND_WHOLE = 1;
export const KIND_FIRST = 2;
export const KIND_MIDDLE = 3;
export const KIND_LAST = 4;
export const KIND_ABORT = 5;
export const KIND_PAD = 6;

/** Writer outcomes. */
export const W_DONE = 0;
export const W_TIMEOUT = 1;
export const W_WRITE_CLOSED = 2;
export const W_READ_CLOSED = 3;
/** Fast path only: could not finish without waiting or chunking; take the slow path. */
export const W_SLOW = 4;
/** writeSlow without a source: room for the record is now at TAIL (see writeSlow). */
export const W_ROOM = 5;

/** Reader outcomes. */
export const R_DONE = 0;
export const R_TIMEOUT = 1;
/** FLAG_WRITE_CLOSED, nothing left, no writer inside: a closed Queue's end, a pipe's EOF. */
export const R_ENDED = 2;
export const R_CLOSED = 3;
/** The message is longer than the sink allows; it is left unread (sink.needed says how long). */
export const R_TOO_LARGE = 4;

/** What a read does with the message it finds. */
export const SINK_VALUE = 0;
export const SINK_BYTES = 1;
export const SINK_INTO = 2;
export const SINK_PEEK = 3;

export interface Sink {
  mode: number;
  maxLength: number;
  target?: Uint8Array;
  targetOffset: number;
  /** Out: the value (SINK_VALUE), the bytes (SINK_BYTES), the byte count (SINK_INTO). */
  value: unknown;
  /** Out, for R_TOO_LARGE: the message's length. */
  needed: number;
}

export function newSink(mode: number, maxLength = MAX_MESSAGE_BYTES, target?: Uint8Array, targetOffset = 0): Sink {
  return { mode, maxLength, target, targetOffset, value: undefined, needed: 0 };
}

/** Returned by the fast read when it cannot finish alone. */
export const NOTHING: unique symbol = Symbol('sabkit.ring.nothing');

export const align8 = (n: number) => (n + 7) & ~7;

/** Writes a fresh ring's configuration and zeroes its state (its memory may be reused). */
export function initRing(i32: Int32Array, base: number, capacity: number, maxCount: number): void {
  for (let i = 0; i < RING_HEADER_BYTES / 4; i++) Atomics.store(i32, base + i, 0);
  Atomics.store(i32, base + R_CAPACITY, capacity);
  Atomics.store(i32, base + R_MAX_COUNT, maxCount);
}

export class RecordRing {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly capacity: number;
  readonly maxCount: number;
  /** Largest payload written as one WHOLE record; larger messages are chunked. */
  readonly maxWhole: number;
  readonly mask: number;
  readonly data: number;
  readonly flags: number;
  readonly wLock: number;
  readonly tail: number;
  readonly wCount: number;
  readonly headSeen: number;
  readonly rcSeen: number;
  readonly rLock: number;
  readonly head: number;
  readonly rCount: number;
  readonly tailSeen: number;
  /** Set when tryWriteValue returns W_SLOW: the encoding's exact size if it learnt it, else 0. */
  lastNeeded = 0;
  /** This handle's reads in a row that found a message at once or within a few loads (ring-ops.ts). */
  readStreak = 0;

  /** Attaches to an initialised ring at `byteOffset` (validated: a bad offset cannot write outside it). */
  constructor(kind: string, buffer: SharedArrayBuffer, byteOffset: number) {
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    const b = byteOffset >> 2;
    const cap = Atomics.load(this.i32, b + R_CAPACITY);
    const maxCount = Atomics.load(this.i32, b + R_MAX_COUNT);
    if (cap < MIN_RING_CAPACITY || cap > MAX_RING_CAPACITY || (cap & (cap - 1)) !== 0 || maxCount < 0) {
      throw new InvalidRegionError(
        `${kind}: no ${kind} at byteOffset ${byteOffset - RING_HEADER_BYTES} (ring capacity word ${cap}, ` +
          `max count ${maxCount})`,
      );
    }
    if (byteOffset + RING_HEADER_BYTES + cap > buffer.byteLength) {
      throw new InvalidRegionError(
        `${kind}: its ring needs ${RING_HEADER_BYTES + cap} bytes at byteOffset ${byteOffset}, but the ` +
          `buffer has ${buffer.byteLength}`,
      );
    }
    this.capacity = cap;
    this.maxCount = maxCount;
    this.mask = cap - 1;
    this.maxWhole = cap / 2 - RECORD_HEADER_BYTES;
    this.data = byteOffset + RING_HEADER_BYTES;
    this.flags = b + R_FLAGS;
    this.wLock = b + R_WRITE_LOCK;
    this.tail = b + R_TAIL;
    this.wCount = b + R_WRITE_COUNT;
    this.headSeen = b + R_HEAD_SEEN;
    this.rcSeen = b + R_READ_COUNT_SEEN;
    this.rLock = b + R_READ_LOCK;
    this.head = b + R_HEAD;
    this.rCount = b + R_READ_COUNT;
    this.tailSeen = b + R_TAIL_SEEN;
  }

  /** Messages published and not yet taken. Two loads from different instants: see count(). */
  count(): number {
    const n = (Atomics.load(this.i32, this.wCount) - Atomics.load(this.i32, this.rCount)) | 0;
    return Math.max(n, 0);
  }

  /** Sets flag bits and wakes every parked reader and writer so that they look at them. */
  setFlags(bits: number): void {
    Atomics.or(this.i32, this.flags, bits);
    Atomics.or(this.i32, this.tail, CLOSED_MARK);
    Atomics.or(this.i32, this.head, CLOSED_MARK);
    Atomics.notify(this.i32, this.tail);
    Atomics.notify(this.i32, this.head);
  }

  // ---- writer side: the caller holds WRITE_LOCK ------------------------------------------------

  /** Whether MAX_COUNT allows one more message; `wc` is WRITE_COUNT (the caller holds WRITE_LOCK). */
  countRoom(wc: number = this.i32[this.wCount]): boolean {
    if (this.maxCount === 0) return true;
    const i32 = this.i32;
    if (((wc - i32[this.rcSeen]) | 0) < this.maxCount) return true;
    const rc = Atomics.load(i32, this.rCount);
    i32[this.rcSeen] = rc;
    return ((wc - rc) | 0) < this.maxCount;
  }

  /** Publishes records up to `newTail` (TAIL was `tail`): the one sequentially consistent write of a put. */
  publish(tail: number, newTail: number): void {
    if ((Atomics.add(this.i32, this.tail, (newTail - tail) | 0) & WAITING_MARK) !== 0) this.wake(this.tail);
  }

  /** Takes the other side's WAITING_MARK off TAIL or HEAD (`index`), then wakes it. */
  wake(index: number): void {
    Atomics.and(this.i32, index, ~WAITING_MARK);
    Atomics.notify(this.i32, index);
  }

  writeHeader(pos: number, kind: number, length: number, raw: boolean, ordinal: number): number {
    const w = (this.data + (pos & this.mask)) >> 2;
    this.i32[w + 1] = ordinal;
    this.i32[w] = length | (kind << REC_KIND_SHIFT) | (raw ? REC_RAW : 0);
    return this.data + (pos & this.mask) + RECORD_HEADER_BYTES;
  }

  /**
   * Fast path: encodes `value` straight into the ring as one WHOLE record if the message may
   * begin and fits now. Returns W_DONE, W_WRITE_CLOSED, W_READ_CLOSED or W_SLOW (not closed, but
   * waiting or chunking is needed: the caller encodes and takes `writeSlow`).
   */
  tryWriteValue(value: unknown): number {
    const i32 = this.i32;
    // Plain reads of TAIL and WRITE_COUNT (each Atomics call is a ~15 ns builtin call on Node 20,
    // seven made a put): only writers change them, inside WRITE_LOCK, whose compare-exchange orders
    // the previous holder's writes before these reads. setFlags (CLOSED_MARK) and a parking reader
    // (WAITING_MARK) may OR a bit into TAIL at any time; either value read has the same position,
    // and CLOSED_MARK is the closed check: setFlags
    // sets FLAGS first, so a close that happened before this put shows in TAIL.
    const tailRaw = i32[this.tail];
    if ((tailRaw & CLOSED_MARK) !== 0) {
      const fl = Atomics.load(i32, this.flags);
      if (fl !== 0) return fl & FLAG_READ_CLOSED ? W_READ_CLOSED : W_WRITE_CLOSED;
    }
    const ordinal = i32[this.wCount];
    if (this.maxCount !== 0 && !this.countRoom(ordinal)) {
      this.lastNeeded = 0;
      return W_SLOW;
    }
    const tail = tailRaw & POSITION_MASK;
    const off = tail & this.mask;
    const contig = this.capacity - off;
    const at = this.data + off + RECORD_HEADER_BYTES;
    // First with HEAD as last seen (no access to the readers' line); re-read HEAD only if that
    // was not enough and a fresher HEAD could make it enough.
    let free = this.capacity - ((tail - i32[this.headSeen]) | 0);
    let room = Math.min(free, contig, this.maxWhole + RECORD_HEADER_BYTES) - RECORD_HEADER_BYTES;
    let n = room > 0 ? encodeInto(value, this.u8, at, room) : 0; // 0: not tried
    if (n <= 0 && free < contig && free < this.maxWhole + RECORD_HEADER_BYTES) {
      const h = Atomics.load(i32, this.head) & POSITION_MASK;
      i32[this.headSeen] = h;
      free = this.capacity - ((tail - h) | 0);
      room = Math.min(free, contig, this.maxWhole + RECORD_HEADER_BYTES) - RECORD_HEADER_BYTES;
      if (room > 0 && -n <= room) n = encodeInto(value, this.u8, at, room);
    }
    if (n <= 0) {
      this.lastNeeded = -n;
      return W_SLOW;
    }
    this.writeHeader(tail, KIND_WHOLE, n, false, ordinal);
    this.publish(tail, (tail + RECORD_HEADER_BYTES + align8(n)) | 0);
    i32[this.wCount] = (ordinal + 1) | 0;
    return W_DONE;
  }

  // ---- reader side: the caller holds READ_LOCK ------------------------------------------------

  /** Consumes up to `newHead`; `ordinal` >= 0 ends a message (READ_COUNT first, then HEAD). */
  consume(head: number, newHead: number, endsMessage: boolean, ordinal: number): void {
    const i32 = this.i32;
    if (endsMessage) i32[this.rCount] = (ordinal + 1) | 0;
    if ((Atomics.add(i32, this.head, (newHead - head) | 0) & WAITING_MARK) !== 0) this.wake(this.head);
  }

  /**
   * Fast path of a value read: takes a WHOLE record if one is at HEAD (after PADs). Returns the
   * value, or NOTHING if the slow path must decide (empty, chunked, aborted, closed...).
   */
  tryReadValue(): unknown {
    const i32 = this.i32;
    for (;;) {
      // Plain, as TAIL in tryWriteValue: only readers move HEAD, inside READ_LOCK (and setFlags'
      // CLOSED_MARK, masked off). TAIL, which the writers move, is read with Atomics.
      const head = i32[this.head] & POSITION_MASK;
      if (i32[this.tailSeen] === head) {
        const t = Atomics.load(i32, this.tail) & POSITION_MASK;
        if (t === head) return NOTHING;
        i32[this.tailSeen] = t;
      }
      const at = this.data + (head & this.mask);
      const w0 = i32[at >> 2];
      const kind = (w0 >>> REC_KIND_SHIFT) & 7;
      const len = w0 & REC_LENGTH_MASK;
      // A record must lie within what was published (TAIL_SEEN) and within the data area; one that
      // does not is garbage memory (a revived non-ring): the slow path names it, never a loop here.
      const end = (head & this.mask) + (kind === KIND_PAD ? len : RECORD_HEADER_BYTES + align8(len));
      if (end > this.capacity || end - (head & this.mask) > ((i32[this.tailSeen] - head) | 0)) return NOTHING;
      if (kind === KIND_PAD) {
        if (len === 0) return NOTHING;
        this.consume(head, (head + len) | 0, false, 0);
        continue;
      }
      if (kind !== KIND_WHOLE) return NOTHING;
      const ordinal = i32[(at >> 2) + 1];
      try {
        return w0 & REC_RAW
          ? this.u8.slice(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + len)
          : decode(this.u8, at + RECORD_HEADER_BYTES, len);
      } finally {
        this.consume(head, (head + RECORD_HEADER_BYTES + align8(len)) | 0, true, ordinal);
      }
    }
  }
}
