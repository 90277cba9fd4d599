/**
 * The operations Queue, SimpleQueue, JoinableQueue and Connection share on a record ring
 * (ring.ts): take a side's robust lock (lock-core.ts), try the fast path, else run the slow path
 * through a sync or async driver (ring-wait.ts), release. They return the ring's status codes;
 * each wrapper turns those into its own named errors (Full/Empty for queues, EOFError for pipes).
 * Also the option checks all of them share (capacities, byte ranges); timeouts and signals are
 * read by runtime/wait.ts, as for every blocking call.
 */
import {
  BlockingNotAllowedError,
  InvalidArgumentError,
  PayloadTooLargeError,
  StuckHolderError,
  describe,
} from '../errors.js';
import * as Codec from '../codec/codec.js';
import { currentThreadId, isThreadDead } from '../runtime/liveness.js';
import {
  ROBUST_POLL_MS,
  TIMED_OUT,
  lockSlowAsync,
  lockSlowSync,
  ownerThread,
  tryLockFast,
  unlockFast,
  unlockSlow,
} from '../sync/lock-core.js';
import {
  MAX_MESSAGE_BYTES,
  MAX_RING_CAPACITY,
  MIN_RING_CAPACITY,
  NOTHING,
  POSITION_MASK,
  R_DONE,
  R_TIMEOUT,
  SINK_VALUE,
  W_ROOM,
  W_SLOW,
  W_TIMEOUT,
  type RecordRing,
  type Sink,
  newSink,
} from './ring.js';
import { readSlow, writeSlow } from './ring-slow.js';
import { driveAsync, driveSync, spinRing } from './ring-wait.js';
import { throwIfAborted } from '../runtime/wait.js';

// Local bindings: in the CommonJS build an imported binding from another file is a getter per use.
const { BYTES_HEADER, encode } = Codec;

/** A ring capacity option: an integer in range, rounded up to a power of two. */
export function ringCapacity(capacityBytes: unknown, fallback: number, what: string): number {
  if (capacityBytes === undefined) return fallback;
  if (
    typeof capacityBytes !== 'number' ||
    !Number.isInteger(capacityBytes) ||
    capacityBytes < MIN_RING_CAPACITY ||
    capacityBytes > MAX_RING_CAPACITY
  ) {
    throw new InvalidArgumentError(
      `${what}: capacityBytes must be an integer from ${MIN_RING_CAPACITY} to ${MAX_RING_CAPACITY} (rounded ` +
        `up to a power of two), got ${describe(capacityBytes)}`,
    );
  }
  return 2 ** Math.ceil(Math.log2(capacityBytes));
}

/** The bytes of an ArrayBuffer, SharedArrayBuffer or view, as a Uint8Array over the same memory. */
export function bytesOf(buf: unknown, what: string, param: string): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf instanceof ArrayBuffer || buf instanceof SharedArrayBuffer) return new Uint8Array(buf);
  throw new InvalidArgumentError(
    `${what}: ${param} must be an ArrayBuffer, SharedArrayBuffer or ArrayBuffer view, got ${describe(buf)}`,
  );
}

/** The encoding of a value for a ring, refusing what no ring may carry (before allocating it). */
export function encodeMessage(value: unknown, what: string): Uint8Array {
  const raw =
    ArrayBuffer.isView(value) || value instanceof ArrayBuffer ? (value as ArrayBuffer).byteLength + BYTES_HEADER : 0;
  if (raw > MAX_MESSAGE_BYTES) throw tooLarge(what, raw);
  const bytes = encode(value);
  if (bytes.byteLength > MAX_MESSAGE_BYTES) throw tooLarge(what, bytes.byteLength);
  return bytes;
}

export function tooLarge(what: string, n: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `${what}: the message is ${n} bytes; a queue or pipe carries at most ${MAX_MESSAGE_BYTES} bytes per ` +
      `message (larger than its ring is fine: it travels in chunks)`,
  );
}

function lockSync(ring: RecordRing, index: number, deadline: number, what: string): boolean {
  const i32 = ring.i32;
  if (tryLockFast(i32, index)) return true;
  if (deadline === Infinity && ownerThread(i32, index) === currentThreadId) {
    // Sync calls always release before returning, so the holder is a pending async call of this
    // very thread, which cannot finish while we block it.
    throw new BlockingNotAllowedError(
      `${what} would wait forever: a pending asynchronous call on this thread holds the same side of this ` +
        `queue or pipe; await it, or use the async form`,
    );
  }
  return lockSlowSync(i32, index, deadline) !== TIMED_OUT;
}

async function lockAsync(
  ring: RecordRing,
  index: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  return (await lockSlowAsync(ring.i32, index, deadline, signal)) !== TIMED_OUT;
}

function unlock(i32: Int32Array, index: number): void {
  if (!unlockFast(i32, index)) unlockSlow(i32, index);
}

/**
 * A reader that keeps finding its next message at once, or within QUICK_LOADS loads of an empty
 * ring, is draining a stream its writer feeds every few tens of ns. Taking each message the moment
 * it lands costs the writer a cache-line transfer per message, and spinning to wait for it takes
 * the core's twin: this machine's 2 virtual cores share one physical core, where a spinning thread
 * (even on registers) halves the other's speed (measured: a locked increment 65 -> 131 ns while the
 * other core spun). So after STREAM_STREAK such reads in a row, a reader that finds the ring empty
 * naps STREAM_NAP_MS (a timed sleep nobody has to wake; the writer publishes as usual) and then
 * drains what accumulated, at full speed on both sides. A reader answered only after a longer wait
 * (ping-pong: a reply takes ~1.5 µs) never builds a streak, and one nap that brings nothing ends
 * the streak, so the usual spin-then-park takes over. The cost: a stream's messages wait up to one
 * nap longer, the latency a batch of them takes to arrive; bounded by any deadline.
 */
const STREAM_STREAK = 64;
const STREAM_NAP_MS = 0.05;
const QUICK_LOADS = 8;
/** What a nap sleeps on: a word nobody notifies. */
// Made at import: where SharedArrayBuffer is missing (a page without cross-origin isolation) the
// import must still work, so that the first primitive can name the headers; nothing naps there.
const napWord = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : new Int32Array(1);

/**
 * Waits for data, spinning (RING_SPIN_MICROS, ring-wait.ts) or, in a stream, napping; true if
 * something was published. Lets a reader that has caught up with its writer take the next message
 * without the slow path. Keeps ring.readStreak.
 */
function waitForData(ring: RecordRing, deadline: number): boolean {
  const i32 = ring.i32;
  const head = i32[ring.head] & POSITION_MASK; // plain: see RecordRing.tryReadValue
  if (ring.readStreak >= STREAM_STREAK) {
    Atomics.wait(napWord, 0, 0, Math.min(STREAM_NAP_MS, deadline - performance.now()));
    if ((Atomics.load(i32, ring.tail) & POSITION_MASK) !== head) return true;
    ring.readStreak = 0;
  }
  for (let k = 0; k < QUICK_LOADS; k++) {
    if ((Atomics.load(i32, ring.tail) & POSITION_MASK) !== head) {
      ring.readStreak++;
      return true;
    }
  }
  ring.readStreak = 0;
  const t = Atomics.load(i32, ring.tail);
  return (t & POSITION_MASK) !== head || spinRing(i32, ring.tail, t);
}

/** Spins while readers take nothing from a non-empty ring; true if HEAD moved. */
function spinForSpace(ring: RecordRing): boolean {
  const h = Atomics.load(ring.i32, ring.head);
  return (ring.i32[ring.tail] & POSITION_MASK) !== (h & POSITION_MASK) && spinRing(ring.i32, ring.head, h);
}

/** Writes one encoded value. Returns a W_ status. */
export function writeValueSync(ring: RecordRing, value: unknown, deadline: number, what: string): number {
  if (!tryLockFast(ring.i32, ring.wLock) && !lockSideSync(ring, false, deadline, what)) return W_TIMEOUT;
  try {
    let st = ring.tryWriteValue(value);
    if (st === W_SLOW && (deadline === Infinity || deadline > performance.now()) && spinForSpace(ring))
      st = ring.tryWriteValue(value);
    if (st !== W_SLOW) return st;
    const needed = ring.lastNeeded;
    if (needed > 0 && needed <= ring.maxWhole && (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)) {
      // Bytes that fit one record: wait for room, then copy them straight in (no staging copy; a
      // typed array's length cannot change meanwhile). Objects take the staged path below, which
      // reuses the serialisation the fast path already made.
      st = driveSync(ring.i32, writeSlow(ring, null, 0, needed, false, deadline));
      if (st !== W_ROOM) return st;
      st = ring.tryWriteValue(value);
      if (st !== W_SLOW) return st;
    }
    const bytes = encodeMessage(value, what);
    return driveSync(ring.i32, writeSlow(ring, bytes, 0, bytes.byteLength, false, deadline));
  } finally {
    unlock(ring.i32, ring.wLock);
  }
}

export async function writeValueAsync(
  ring: RecordRing,
  value: unknown,
  deadline: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<number> {
  throwIfAborted(signal);
  if (!tryLockFast(ring.i32, ring.wLock) && !(await lockSideAsync(ring, false, deadline, signal, what)))
    return W_TIMEOUT;
  try {
    const st = ring.tryWriteValue(value);
    if (st !== W_SLOW) return st;
    const bytes = encodeMessage(value, what);
    return await driveAsync(ring.i32, writeSlow(ring, bytes, 0, bytes.byteLength, false, deadline), signal);
  } finally {
    unlock(ring.i32, ring.wLock);
  }
}

/** Writes raw bytes as one message. Returns a W_ status. */
export function writeBytesSync(
  ring: RecordRing,
  src: Uint8Array,
  offset: number,
  size: number,
  deadline: number,
  what: string,
): number {
  if (!lockSync(ring, ring.wLock, deadline, what)) return W_TIMEOUT;
  try {
    return driveSync(ring.i32, writeSlow(ring, src, offset, size, true, deadline));
  } finally {
    unlock(ring.i32, ring.wLock);
  }
}

export async function writeBytesAsync(
  ring: RecordRing,
  src: Uint8Array,
  offset: number,
  size: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  throwIfAborted(signal);
  if (!tryLockFast(ring.i32, ring.wLock) && !(await lockAsync(ring, ring.wLock, deadline, signal))) return W_TIMEOUT;
  try {
    return await driveAsync(ring.i32, writeSlow(ring, src, offset, size, true, deadline), signal);
  } finally {
    unlock(ring.i32, ring.wLock);
  }
}

// Sync reads never interleave on one thread, so they share one sink (no allocation per get).
const sharedSink = newSink(SINK_VALUE);

/** The sink of a synchronous value read; read `.value` right after the call. */
export function syncValueSink(): Sink {
  sharedSink.value = undefined;
  return sharedSink;
}

/**
 * Least wait (ms) before a read that timed out on the readers' lock blames its holder: two liveness
 * polls, so a holder that died and was reported would have been taken over by then.
 */
export const STUCK_AFTER_MS = 2 * ROBUST_POLL_MS;

interface HolderWatch {
  /** The side's lock word and the word its holder moves when it makes progress (HEAD, TAIL). */
  lock: number;
  progress: number;
  owner: number;
  seen: number;
  since: number;
  /** Whether the other side had left work for this one (items to take, room to put) at the start. */
  work: boolean;
}

/** Items waiting (readers), or room by count and for half the ring's bytes (writers). */
function sideHasWork(ring: RecordRing, readers: boolean): boolean {
  if (readers) return ring.count() > 0;
  if (ring.maxCount !== 0 && ring.count() >= ring.maxCount) return false;
  const used =
    ((Atomics.load(ring.i32, ring.tail) & POSITION_MASK) - (Atomics.load(ring.i32, ring.head) & POSITION_MASK)) | 0;
  return used <= ring.capacity / 2;
}

function watchSide(ring: RecordRing, readers: boolean): HolderWatch {
  const lock = readers ? ring.rLock : ring.wLock;
  const progress = readers ? ring.head : ring.tail;
  return {
    lock,
    progress,
    owner: ownerThread(ring.i32, lock),
    seen: Atomics.load(ring.i32, progress) & POSITION_MASK, // the position: marks are not progress
    since: performance.now(),
    work: sideHasWork(ring, readers),
  };
}

/**
 * After a timed-out wait for a side's lock: the other side had left work for this one all along
 * (items to take, room to put), the holder made no progress, and one thread, not known to be dead,
 * held the lock the whole time (issue 20 point 4: a consumer or producer terminated inside get or
 * put whose death nobody reported). Then Empty or Full would hide the cause: throw it instead.
 */
function throwIfStuck(ring: RecordRing, w: HolderWatch, what: string): void {
  const readers = w.lock === ring.rLock;
  const owner = ownerThread(ring.i32, w.lock);
  const waited = performance.now() - w.since;
  if (
    w.owner < 0 ||
    owner !== w.owner ||
    !w.work ||
    !sideHasWork(ring, readers) ||
    (Atomics.load(ring.i32, w.progress) & POSITION_MASK) !== w.seen ||
    waited < STUCK_AFTER_MS ||
    isThreadDead(owner)
  )
    return;
  const state = readers ? `${ring.count()} item(s) are waiting` : 'the queue has room';
  const doing = readers ? 'taking any' : 'putting anything';
  throw new StuckHolderError(
    `${what}: ${state}, but thread ${owner} has held the ${readers ? 'readers' : 'writers'}' lock for the ` +
      `whole ${Math.round(waited)} ms wait without ${doing}, and it is not known to be dead. If that ` +
      `worker was terminated inside a ${readers ? 'get' : 'put'}, its death was not reported: sabkit watches ` +
      'the workers a thread creates after it loaded sabkit; call watchWorker(worker) for one created before.',
    owner,
  );
}

/** The slow acquire of a side's lock (the fast CAS failed), blaming a stuck holder on timeout. */
function lockSideSync(ring: RecordRing, readers: boolean, deadline: number, what: string): boolean {
  const w = watchSide(ring, readers);
  if (lockSync(ring, w.lock, deadline, what)) return true;
  throwIfStuck(ring, w, what);
  return false;
}

async function lockSideAsync(
  ring: RecordRing,
  readers: boolean,
  deadline: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<boolean> {
  const w = watchSide(ring, readers);
  if (await lockAsync(ring, w.lock, deadline, signal)) return true;
  throwIfStuck(ring, w, what);
  return false;
}

/** Reads one message into `sink`. Returns an R_ status. */
export function readSync(ring: RecordRing, sink: Sink, deadline: number, what: string): number {
  if (!tryLockFast(ring.i32, ring.rLock) && !lockSideSync(ring, true, deadline, what)) return R_TIMEOUT;
  try {
    if (sink.mode === SINK_VALUE) {
      let v = ring.tryReadValue();
      if (v !== NOTHING) ring.readStreak++;
      else if ((deadline === Infinity || deadline > performance.now()) && waitForData(ring, deadline))
        v = ring.tryReadValue();
      if (v !== NOTHING) {
        sink.value = v;
        return R_DONE;
      }
    }
    return driveSync(ring.i32, readSlow(ring, sink, deadline));
  } finally {
    unlock(ring.i32, ring.rLock);
  }
}

export async function readAsync(
  ring: RecordRing,
  sink: Sink,
  deadline: number,
  signal: AbortSignal | undefined,
  what = 'get',
): Promise<number> {
  throwIfAborted(signal);
  if (!tryLockFast(ring.i32, ring.rLock) && !(await lockSideAsync(ring, true, deadline, signal, what)))
    return R_TIMEOUT;
  try {
    if (sink.mode === SINK_VALUE) {
      const v = ring.tryReadValue();
      if (v !== NOTHING) {
        sink.value = v;
        return R_DONE;
      }
    }
    return await driveAsync(ring.i32, readSlow(ring, sink, deadline), signal);
  } finally {
    unlock(ring.i32, ring.rLock);
  }
}
