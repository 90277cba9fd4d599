/**
 * The record ring's slow paths (the layout, record format and protocol are described in ring.ts):
 * what a write or a read does when it cannot finish at once, written once as generators that yield
 * a `Park` whenever they must wait (ring-wait.ts drives them synchronously or asynchronously).
 * Both run with their side's lock held by the caller.
 */
import { InvalidRegionError } from '../errors.js';
import * as Codec from '../codec/codec.js';
import {
  ABORT_RESERVE,
  FIRST_PREFIX_BYTES,
  FLAG_READ_CLOSED,
  FLAG_WRITE_CLOSED,
  KIND_ABORT,
  KIND_FIRST,
  KIND_LAST,
  KIND_MIDDLE,
  KIND_PAD,
  KIND_WHOLE,
  POSITION_MASK,
  R_CLOSED,
  R_DONE,
  R_ENDED,
  R_TIMEOUT,
  R_TOO_LARGE,
  RECORD_HEADER_BYTES,
  REC_KIND_SHIFT,
  REC_LENGTH_MASK,
  REC_RAW,
  type RecordRing,
  SINK_BYTES,
  SINK_INTO,
  SINK_PEEK,
  SINK_VALUE,
  type Sink,
  W_DONE,
  W_READ_CLOSED,
  W_ROOM,
  W_TIMEOUT,
  W_WRITE_CLOSED,
  align8,
} from './ring.js';
import { type Park, newPark } from './ring-wait.js';
import { ownerThread, tryLockFast, unlockFast, unlockSlow } from '../sync/lock-core.js';
import { isThreadDead } from '../runtime/liveness.js';
import type { WaitResult } from '../runtime/wait.js';

// Local bindings: in the CommonJS build an imported binding from another file is a getter per use.
const { decode } = Codec;

/** Whether the writer of a message in progress is gone (lock free, or held by a dead thread) with nothing new. */
function writerGone(ring: RecordRing, head: number): boolean {
  const owner = ownerThread(ring.i32, ring.wLock);
  if (owner >= 0 && !isThreadDead(owner)) return false;
  return (Atomics.load(ring.i32, ring.tail) & POSITION_MASK) === head;
}

/**
 * Slow path: writes src[srcOffset, srcOffset + length) as one message, waiting for room (count
 * and bytes) until `deadline`, chunking it if it is larger than maxWhole. Returns W_DONE,
 * W_TIMEOUT, W_WRITE_CLOSED or W_READ_CLOSED. An abort thrown in by the driver, a timeout or a
 * closed reader mid-message publishes an ABORT record, so readers drop what they received.
 * With src null (length <= maxWhole only), it only waits for room for one record of `length`
 * bytes and returns W_ROOM, so that the caller can encode a value in place.
 */
export function* writeSlow(
  ring: RecordRing,
  src: Uint8Array | null,
  srcOffset: number,
  length: number,
  raw: boolean,
  deadline: number,
): Generator<Park, number, WaitResult> {
  const i32 = ring.i32;
  const cap = ring.capacity;
  const park = newPark();
  park.index = ring.head;
  park.deadline = deadline;
  const ordinal = Atomics.load(i32, ring.wCount);
  // Phase 1: until the message may begin (not closed, MAX_COUNT room, room for a first record).
  const whole = length <= ring.maxWhole;
  const rec = RECORD_HEADER_BYTES + align8(length);
  for (;;) {
    // HEAD first: before FLAGS (a close after this read changes HEAD's CLOSED_MARK, so our wait on
    // HEAD returns) and before READ_COUNT (a reader stores READ_COUNT then HEAD, so if the count we
    // read is stale, the HEAD store is still to come and our wait returns at once).
    const hRaw = Atomics.load(i32, ring.head);
    const h = hRaw & POSITION_MASK;
    const fl = Atomics.load(i32, ring.flags);
    if (fl !== 0) return fl & FLAG_READ_CLOSED ? W_READ_CLOSED : W_WRITE_CLOSED;
    if (ring.countRoom()) {
      i32[ring.headSeen] = h;
      const tail = Atomics.load(i32, ring.tail) & POSITION_MASK;
      const free = cap - ((tail - h) | 0);
      const contig = cap - (tail & ring.mask);
      if (whole) {
        const pad = contig < rec ? contig : 0;
        if (free >= pad + rec) {
          if (src === null) {
            // Room only: publish the PAD, and the caller encodes the value straight into place.
            if (pad) {
              ring.writeHeader(tail, KIND_PAD, pad, false, ordinal);
              ring.publish(tail, (tail + pad) | 0);
            }
            return W_ROOM;
          }
          if (pad) ring.writeHeader(tail, KIND_PAD, pad, false, ordinal);
          const at = ring.writeHeader(tail + pad, KIND_WHOLE, length, raw, ordinal);
          ring.u8.set(src.subarray(srcOffset, srcOffset + length), at);
          ring.publish(tail, (tail + pad + rec) | 0);
          i32[ring.wCount] = (ordinal + 1) | 0;
          return W_DONE;
        }
      } else if (free >= ABORT_RESERVE + RECORD_HEADER_BYTES + FIRST_PREFIX_BYTES + 8) {
        break;
      }
    }
    if (performance.now() >= deadline) return W_TIMEOUT;
    park.value = hRaw;
    yield park;
  }
  // Phase 2: chunks. The message has begun: readers may take chunks while we write the rest.
  const start = Atomics.load(i32, ring.tail) & POSITION_MASK;
  let pos = 0;
  let begun = false;
  let finished = false;
  try {
    for (;;) {
      const hRaw = Atomics.load(i32, ring.head);
      const h = hRaw & POSITION_MASK;
      i32[ring.headSeen] = h;
      const tail = Atomics.load(i32, ring.tail) & POSITION_MASK;
      const free = cap - ((tail - h) | 0) - ABORT_RESERVE;
      const contig = cap - (tail & ring.mask);
      const prefix = begun ? 0 : FIRST_PREFIX_BYTES;
      if (contig < RECORD_HEADER_BYTES + prefix + 8) {
        if (free >= contig) {
          ring.writeHeader(tail, KIND_PAD, contig, false, ordinal);
          ring.publish(tail, (tail + contig) | 0);
          continue;
        }
      } else {
        const space = Math.min(free, contig);
        if (space >= RECORD_HEADER_BYTES + prefix + 8) {
          const n = Math.min(length - pos, space - RECORD_HEADER_BYTES - prefix);
          const last = pos + n === length;
          const kind = !begun ? (last ? KIND_WHOLE : KIND_FIRST) : last ? KIND_LAST : KIND_MIDDLE;
          const pre = kind === KIND_FIRST ? FIRST_PREFIX_BYTES : 0;
          const at = ring.writeHeader(tail, kind, n + pre, raw, ordinal);
          if (pre) {
            ring.i32[at >> 2] = length;
            ring.i32[(at >> 2) + 1] = 0;
          }
          // src is null only for whole records
          ring.u8.set(src!.subarray(srcOffset + pos, srcOffset + pos + n), at + pre);
          ring.publish(tail, (tail + RECORD_HEADER_BYTES + align8(n + pre)) | 0);
          pos += n;
          begun = true;
          if (last) {
            finished = true;
            i32[ring.wCount] = (ordinal + 1) | 0;
            return W_DONE;
          }
          continue;
        }
      }
      if (Atomics.load(i32, ring.flags) & FLAG_READ_CLOSED) return W_READ_CLOSED;
      if (performance.now() >= deadline) return W_TIMEOUT;
      park.value = hRaw;
      yield park;
    }
  } finally {
    if (begun && !finished && !retract(ring, start)) {
      // A reader may be taking the chunks: it must be told. ABORT_RESERVE guarantees the 8 bytes;
      // an ABORT never needs a PAD (records are 8-aligned). WRITE_COUNT does not move: a withdrawn
      // message is not counted (qsize, maxsize), and readers skip the ABORT without counting it.
      const tail = Atomics.load(i32, ring.tail) & POSITION_MASK;
      ring.writeHeader(tail, KIND_ABORT, 0, false, ordinal);
      ring.publish(tail, (tail + RECORD_HEADER_BYTES) | 0);
    }
  }
}

/**
 * Withdraws a half-written message whose chunks (from TAIL position `start` on) no reader has
 * touched: TAIL goes back to `start`, so the ring is as before the put (CPython's put leaves the
 * queue unchanged when it raises Full). Only possible while no reader can be looking at them: we
 * take READ_LOCK (without waiting; a reader that holds it may be reading our first chunk right now)
 * and check that HEAD has not passed `start`. Returns false if the message must be aborted instead.
 */
function retract(ring: RecordRing, start: number): boolean {
  const i32 = ring.i32;
  if (!tryLockFast(i32, ring.rLock)) return false;
  try {
    const head = Atomics.load(i32, ring.head) & POSITION_MASK;
    const tail = Atomics.load(i32, ring.tail) & POSITION_MASK;
    // Positions wrap: compare distances from HEAD.
    if (((start - head) | 0) < 0 || ((tail - start) | 0) < 0) return false;
    Atomics.sub(i32, ring.tail, (tail - start) | 0);
    // A reader's cached TAIL must not stay ahead of the real one (its fast path would read garbage).
    if (((i32[ring.tailSeen] - start) | 0) > 0) i32[ring.tailSeen] = start;
    return true;
  } finally {
    if (!unlockFast(i32, ring.rLock)) unlockSlow(i32, ring.rLock);
  }
}

/**
 * Slow path of every read: waits until `deadline` for a message to begin, then receives it to
 * its end. Returns R_DONE (sink filled), R_TIMEOUT, R_ENDED, R_CLOSED (FLAG_READ_CLOSED) or
 * R_TOO_LARGE (message left unread).
 *
 * Once a chunked message has begun, the deadline and the abort signal no longer apply: its
 * writer holds WRITE_LOCK and is writing the rest, bounded by its own deadline (it publishes
 * ABORT when it gives up) or its death (noticed by polling its liveness). Giving up halfway
 * would lose chunks already consumed. CPython's multiprocessing Queue.get does the same: the
 * timeout covers waiting for a message, then the whole message is read.
 */
export function* readSlow(ring: RecordRing, sink: Sink, deadline: number): Generator<Park, number, WaitResult> {
  const i32 = ring.i32;
  const park = newPark();
  park.index = ring.tail;
  let asm: Uint8Array | undefined; // message being assembled; undefined = between messages
  let asmPos = 0;
  let asmTotal = 0;
  let asmBase = 0;
  let asmRaw = false;
  for (;;) {
    const head = Atomics.load(i32, ring.head) & POSITION_MASK;
    const tailRaw = Atomics.load(i32, ring.tail);
    const tail = tailRaw & POSITION_MASK;
    if (tail === head) {
      if (Atomics.load(i32, ring.flags) & FLAG_READ_CLOSED) return R_CLOSED;
      park.value = tailRaw; // with CLOSED_MARK as seen, so that a close after this read wakes us
      if (asm) {
        if (writerGone(ring, head)) {
          asm = undefined; // its writer died: drop the partial message
          continue;
        }
        park.deadline = Infinity;
        park.poll = true;
        park.abortable = false;
        yield park;
        continue;
      }
      const closed = (Atomics.load(i32, ring.flags) & FLAG_WRITE_CLOSED) !== 0;
      // Closed: ended once no writer is inside (one that is publishes, or sees the flag and
      // leaves without a store to wake us, hence the polling).
      if (closed && writerGone(ring, head)) return R_ENDED;
      if (performance.now() >= deadline) return R_TIMEOUT;
      park.deadline = deadline;
      park.poll = closed;
      park.abortable = true;
      yield park;
      continue;
    }
    i32[ring.tailSeen] = tail;
    const at = ring.data + (head & ring.mask);
    const w0 = i32[at >> 2];
    const ordinal = i32[(at >> 2) + 1];
    const kind = (w0 >>> REC_KIND_SHIFT) & 7;
    const len = w0 & REC_LENGTH_MASK;
    const raw = (w0 & REC_RAW) !== 0;
    const next = (head + RECORD_HEADER_BYTES + align8(len)) | 0;
    const payload = at + RECORD_HEADER_BYTES;
    // Records are published whole, never wrap, and PADs are non-empty multiples of 8: anything else
    // is memory that was never a ring (revived garbage) and must fail by name, not loop or overrun.
    const size = kind === KIND_PAD ? len : RECORD_HEADER_BYTES + align8(len);
    if (
      size > ((tail - head) | 0) ||
      (head & ring.mask) + size > ring.capacity ||
      (kind === KIND_PAD && (len === 0 || (len & 7) !== 0))
    )
      corrupt(`record kind ${kind} of ${len} bytes at position ${head >>> 0}, ${(tail - head) | 0} bytes published`);
    switch (kind) {
      case KIND_PAD:
        ring.consume(head, (head + len) | 0, false, 0);
        continue;
      case KIND_ABORT:
        asm = undefined;
        ring.consume(head, next, false, 0); // a withdrawn message was never counted
        continue;
      case KIND_WHOLE:
        asm = undefined;
        if (sink.mode === SINK_PEEK) return R_DONE;
        if (!fits(sink, len)) {
          sink.needed = len;
          return R_TOO_LARGE;
        }
        if (sink.mode === SINK_INTO) sink.target!.set(ring.u8.subarray(payload, payload + len), sink.targetOffset);
        try {
          deliver(sink, ring.u8, payload, len, raw);
        } finally {
          ring.consume(head, next, true, ordinal);
        }
        return R_DONE;
      case KIND_FIRST: {
        if (sink.mode === SINK_PEEK) return R_DONE;
        const total = i32[payload >> 2];
        if (!fits(sink, total)) {
          sink.needed = total;
          return R_TOO_LARGE;
        }
        asmRaw = raw;
        asmTotal = total;
        asmPos = 0;
        if (sink.mode === SINK_INTO) {
          asm = sink.target!;
          asmBase = sink.targetOffset;
        } else {
          asm = new Uint8Array(total);
          asmBase = 0;
        }
        chunk(ring, asm, asmBase, asmPos, asmTotal, payload + FIRST_PREFIX_BYTES, len - FIRST_PREFIX_BYTES);
        asmPos += len - FIRST_PREFIX_BYTES;
        ring.consume(head, next, false, 0);
        continue;
      }
      case KIND_MIDDLE:
      case KIND_LAST:
        if (!asm) {
          // A chunk of a message whose reader died mid-way: that message is lost, skip it.
          ring.consume(head, next, kind === KIND_LAST, ordinal);
          continue;
        }
        chunk(ring, asm, asmBase, asmPos, asmTotal, payload, len);
        asmPos += len;
        if (kind === KIND_MIDDLE) {
          ring.consume(head, next, false, 0);
          continue;
        }
        if (asmPos !== asmTotal) corrupt(`message of ${asmTotal} bytes ended after ${asmPos}`);
        try {
          deliver(sink, asm, asmBase, asmTotal, asmRaw);
        } finally {
          ring.consume(head, next, true, ordinal);
        }
        return R_DONE;
      default:
        corrupt(`record kind ${kind} at position ${head >>> 0}`);
    }
  }
}

function deliver(sink: Sink, src: Uint8Array, start: number, len: number, raw: boolean): void {
  if (sink.mode === SINK_VALUE) sink.value = raw ? src.slice(start, start + len) : decode(src, start, len);
  else if (sink.mode === SINK_BYTES) sink.value = src.slice(start, start + len);
  else sink.value = len;
}

function fits(sink: Sink, total: number): boolean {
  if (sink.mode === SINK_BYTES && total > sink.maxLength) return false;
  if (sink.mode === SINK_INTO && total > sink.target!.byteLength - sink.targetOffset) return false;
  return true;
}

function chunk(
  ring: RecordRing,
  asm: Uint8Array,
  base: number,
  pos: number,
  total: number,
  from: number,
  n: number,
): void {
  if (n < 0 || pos + n > total) corrupt(`chunk of ${n} bytes at ${pos} overflows a message of ${total}`);
  asm.set(ring.u8.subarray(from, from + n), base + pos);
}

function corrupt(what: string): never {
  throw new InvalidRegionError(`shared queue/pipe memory is corrupted (${what}): was it written outside sabkit?`);
}
