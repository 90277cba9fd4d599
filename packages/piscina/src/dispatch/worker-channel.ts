/**
 * The worker's end of its channel (dispatch/layout.ts): reads requests, writes responses, and
 * decides when the main thread must be woken.
 *
 * Waking the main thread is a futex wake (~25 µs here, plus an event-loop turn on main), so it is
 * done only when needed, as network cards coalesce interrupts:
 *  - never while main is not parked (MAIN_PARKED = 0): it polls the rings before it parks;
 *  - at once when this worker is about to run dry (at most LOW_WATER requests left unstarted, so
 *    main must refill it), is about to wait (idle, or the response ring is full), or is about to
 *    start a task that is expected to run long;
 *  - otherwise once the oldest unannounced response is NOTIFY_WINDOW_MS old.
 * A result can thus wait at most about NOTIFY_WINDOW_MS plus one task in the worst case (a task
 * much longer than the recent average); main also bounds its own park (poller.ts).
 * "Unannounced" means not yet read by main (RES_READ), not merely "this worker did not ring for
 * it": a main thread woken by another worker drains every ring, and a worker that counted its own
 * rings only rang again for results main had already taken. On 2 cores each ring costs the worker
 * its core for a while (main runs), so with 2 workers this halves the rings of a batch of short
 * tasks; a ring with nothing unread would have main drain nothing (no refill, no rebalance).
 *
 * Layout: docs/layouts/pool.md
 */
import { receiveMessageOnPort, type MessagePort, type TransferListItem } from 'node:worker_threads';
import {
  BELL,
  CANCEL_EPOCH,
  LOW_WATER,
  MAIN_BELL,
  MAIN_PARKED,
  MAIN_WAIT_BELL,
  PARKED,
  PARK_BUSY,
  PARK_FULL,
  PARK_IDLE,
  PARK_NONE,
  REQ_COUNT,
  REQ_READ,
  REQ_RING_BYTES,
  REQ_RING_OFFSET,
  REQ_WRITE,
  RES_READ,
  RES_RING_BYTES,
  RES_RING_OFFSET,
  RES_WRITE,
  ROOM_ASKED,
  ROOM_SEEN,
} from './layout.js';
import { AdaptiveSpin } from './adaptive-spin.js';
import { fromEpoch, now } from './clock.js';
import { RingReader, RingWriter, align8 } from './ring.js';
import {
  F_VIA_PORT,
  RES_HEADER,
  WRITE_FULL,
  WRITE_PORT,
  payloadMayRevive,
  readPayload,
  recordFlags,
  word1,
  writeRecord,
} from './wire.js';

/** Longest a completed result waits before a parked main thread is woken for it. */
export const NOTIFY_WINDOW_MS = 4;
/**
 * How long an idle worker spins on its request ring before it parks, when the main thread was
 * awake at its last result. Long enough to catch main's next request in a sequential round trip
 * (main's turnaround is 1-3 µs), short enough not to steal much of a core from the main thread on
 * a 2-core machine when main is the bottleneck (it refills the ring in batches; between batches
 * the worker should sleep).
 */
export const WORKER_SPIN_MS = 0.02;
/**
 * The same when the worker had to wake the main thread for its last result: main needs ~25-100 µs
 * to wake and send the next request, and a worker that parked meanwhile would need another futex
 * wake for it, so both sides would keep parking on every round trip. Spinning through main's
 * wake-up breaks that cycle.
 */
export const WORKER_SPIN_AFTER_WAKE_MS = 0.2;
/**
 * The long spin also follows a wake-up by main that brought at most this many requests: a
 * sequential round trip. Main paid a futex wake (~25 µs) for that request and is still returning
 * from it when the result is ready; a worker that spun only WORKER_SPIN_MS parked again before
 * main's next request, which needed another wake, and so on: every round trip cost a wake on each
 * side, the slow one of the "two stable states". A wake-up that brought a batch is not a round
 * trip: main is refilling, and a long spin would take its core.
 */
export const ROUND_TRIP_WAKE_MAX = 1;
/** Longest single Atomics.wait while the response ring is full (the wait is re-checked after). */
const FULL_WAIT_MS = 50;

export class WorkerChannel {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly f64: Float64Array;
  readonly pool: Int32Array;
  readonly requests: RingReader;
  readonly responses: RingWriter;
  port: MessagePort | undefined;
  #taken = 0;
  /**
   * Published responses main has not been told about: their end positions in the response ring
   * and when each task ended (its start plus its run time, in now() units (clock.ts); a response
   * without a run, skipped or progress, reads the clock), in order from #uHead. Entries main has
   * read (RES_READ past their end) are dropped. The times come from the task loop's own stamps:
   * a clock read costs ~200 ns here (Firecracker VM: no vDSO clock), and this made two per task.
   */
  #uEnd = new Float64Array(256);
  #uTime = new Float64Array(256);
  #uHead = 0;
  #uLen = 0;
  /** The newest tracked time: "now" for notifyMain, which follows a task's response. */
  #last = 0;
  #cancelEpoch = 0;
  #roomSeen = 0;
  #wokeMain = false;
  /** Woken from a park (by main), and #taken then: see ROUND_TRIP_WAKE_MAX. */
  #woken = false;
  #takenAtWake = 0;
  readonly #longSpin = new AdaptiveSpin();

  constructor(channel: SharedArrayBuffer, pool: SharedArrayBuffer) {
    this.i32 = new Int32Array(channel);
    this.u8 = new Uint8Array(channel);
    this.f64 = new Float64Array(channel);
    this.pool = new Int32Array(pool);
    this.requests = new RingReader(this.i32, REQ_WRITE, REQ_READ, REQ_RING_OFFSET, REQ_RING_BYTES);
    this.responses = new RingWriter(this.i32, RES_WRITE, RES_READ, RES_RING_OFFSET, RES_RING_BYTES);
  }

  /**
   * Gives the requests taken so far back to main, and answers main's question for room
   * (ROOM_ASKED, main-channel.ts): stores ROOM_SEEN after the release and rings a parked main,
   * whose next poll then hands it the tasks that did not fit. Without the answer a main thread
   * that had read every response stayed parked with tasks in its queue, and this worker idle.
   */
  releaseRequests(): void {
    this.requests.release();
    const asked = Atomics.load(this.i32, ROOM_ASKED);
    if (asked === this.#roomSeen) return;
    this.#roomSeen = asked;
    Atomics.store(this.i32, ROOM_SEEN, asked);
    if (Atomics.load(this.pool, MAIN_PARKED) === 0) return; // awake: it polls before it parks
    if (Atomics.load(this.pool, MAIN_BELL) !== Atomics.load(this.pool, MAIN_WAIT_BELL)) return; // rung already
    this.#wokeMain = true;
    Atomics.add(this.pool, MAIN_BELL, 1);
    Atomics.notify(this.pool, MAIN_BELL);
  }

  /** Steps past the request at `off` (its payload already read). */
  consume(off: number): void {
    this.requests.advance(this.i32[off >> 2]);
    this.#taken++;
  }

  /**
   * Whether the last payload() may hold a sabkit descriptor, so that revive() must walk it: a port
   * message may (it carries SharedArrayBuffers), a ring payload only with a kind key (wire.ts).
   */
  mayRevive = false;

  /** The payload of the request at `off`, from the ring or from the port. */
  payload(off: number, header: number): unknown {
    if (recordFlags(this.i32, off) & F_VIA_PORT) {
      this.mayRevive = true;
      const m = receiveMessageOnPort(this.port!);
      if (m === undefined)
        throw new Error('sabkit pool: a request announced a port message that is not there (channel out of sync)');
      return m.message;
    }
    const v = readPayload(this.i32, this.u8, off, header);
    this.mayRevive = payloadMayRevive();
    return v;
  }

  /** True if main set a cancel bit since the last call. */
  cancelsChanged(): boolean {
    const e = Atomics.load(this.i32, CANCEL_EPOCH);
    if (e === this.#cancelEpoch) return false;
    this.#cancelEpoch = e;
    return true;
  }

  /**
   * Writes a response and publishes it. `value` goes by port when the ring cannot carry it (or
   * when `transfer` is given). Waits (blocking this worker) while the response ring is full.
   * Throws what structured clone throws for a value that cannot travel at all.
   */
  respond(
    kind: number,
    slot: number,
    start: number,
    run: number,
    value: unknown,
    transfer?: readonly TransferListItem[],
  ): void {
    const { i32, u8, f64 } = this;
    for (;;) {
      let off =
        transfer === undefined
          ? writeRecord(this.responses, i32, u8, RES_HEADER, word1(kind, 0), slot, value)
          : WRITE_PORT;
      if (off === WRITE_PORT) {
        off = this.responses.reserve(align8(RES_HEADER));
        if (off >= 0) {
          this.port!.postMessage(value, transfer as TransferListItem[] | undefined);
          const w = off >> 2;
          i32[w] = align8(RES_HEADER);
          i32[w + 1] = word1(kind, F_VIA_PORT);
          i32[w + 2] = slot;
          i32[w + 3] = 0;
          this.responses.commit(align8(RES_HEADER));
        }
      }
      if (off !== WRITE_FULL && off >= 0) {
        f64[(off >> 3) + 2] = start;
        f64[(off >> 3) + 3] = run;
        this.responses.publish();
        this.#track(this.responses.position, start > 0 ? fromEpoch(start) + run : now());
        return;
      }
      this.#waitForRoom();
    }
  }

  #waitForRoom(): void {
    this.notifyMain(true);
    // An async wait may be armed (reportProgress from an awaiting task): keep its announcement.
    const before = Atomics.load(this.i32, PARKED);
    const b = Atomics.load(this.i32, BELL);
    Atomics.store(this.i32, PARKED, PARK_FULL);
    // Main wakes us after it releases response room; re-check first in case it already did.
    if (this.responses.reserveAny(RES_HEADER + 64) < 0) Atomics.wait(this.i32, BELL, b, FULL_WAIT_MS);
    Atomics.store(this.i32, PARKED, before);
  }

  /** Requests published by main and not yet taken by this worker (racy: main may add more). */
  pendingRequests(): number {
    return (Atomics.load(this.i32, REQ_COUNT) - this.#taken) | 0;
  }

  /**
   * Notes a published response: its end position in the ring, and when its task ended (`at`).
   * Arrays reused, never truncated: a worker whose main thread is awake forgets after
   * every response, and `length = 0` then `push` allocated a new backing store per task.
   */
  #track(end: number, at: number): void {
    if (this.#uLen === this.#uEnd.length) {
      const e = new Float64Array(this.#uLen * 2);
      const t = new Float64Array(this.#uLen * 2);
      e.set(this.#uEnd);
      t.set(this.#uTime);
      this.#uEnd = e;
      this.#uTime = t;
    }
    this.#uEnd[this.#uLen] = end;
    this.#uTime[this.#uLen] = at;
    this.#last = at;
    this.#uLen++;
  }

  /**
   * Wakes the main thread if it is parked and has unannounced responses to read, when `force` or
   * when the coalescing rules above say so. Unforced only right after a task's response
   * (task-loop.ts #finish), whose end time is then "now": the window needs no clock read.
   */
  notifyMain(force: boolean): void {
    if (this.#uHead === this.#uLen) return;
    if (Atomics.load(this.pool, MAIN_PARKED) === 0) {
      this.#forget();
      this.#wokeMain = false;
      return;
    }
    const oldest = this.#oldestUnread();
    if (oldest < 0) return; // main read them all (woken by another worker): nothing to announce
    if (
      force ||
      this.pendingRequests() <= Atomics.load(this.i32, LOW_WATER) ||
      this.#last - oldest >= NOTIFY_WINDOW_MS
    ) {
      this.#forget();
      // Rung already for this park (by this worker or another): main is waking and will drain
      // every ring, this worker's published responses included. Without this check a worker
      // running low rang again after every task until main got a core (~10 rings per refill).
      if (Atomics.load(this.pool, MAIN_BELL) !== Atomics.load(this.pool, MAIN_WAIT_BELL)) return;
      this.#wokeMain = true;
      Atomics.add(this.pool, MAIN_BELL, 1);
      Atomics.notify(this.pool, MAIN_BELL);
    }
  }

  /**
   * When the task of the oldest response main has not read ended (now()), or -1 if
   * main has read them all (then forgotten).
   */
  #oldestUnread(): number {
    const end = this.#uEnd;
    const len = this.#uLen;
    const read = Atomics.load(this.i32, RES_READ) >>> 0;
    let h = this.#uHead;
    while (h < len && ((read - end[h]) | 0) >= 0) h++; // free-running uint32 positions
    if (h === len) {
      this.#forget();
      return -1;
    }
    this.#uHead = h;
    return this.#uTime[h];
  }

  #forget(): void {
    this.#uHead = 0;
    this.#uLen = 0;
  }

  get hasUnnotified(): boolean {
    return this.#uHead < this.#uLen;
  }

  /** Spins up to WORKER_SPIN_MS (or _AFTER_WAKE_MS) for a request or a cancel; true if one came. */
  spin(): boolean {
    const long = this.#wokeMain || (this.#woken && ((this.#taken - this.#takenAtWake) | 0) <= ROUND_TRIP_WAKE_MAX);
    this.#wokeMain = false;
    this.#woken = false;
    // The long spin (through main's wake-up) is adaptive: under load main takes longer than the
    // budget, and the worker would burn it for nothing on every round trip.
    if (long && !this.#longSpin.shouldSpin()) return false;
    const end = now() + (long ? WORKER_SPIN_AFTER_WAKE_MS : WORKER_SPIN_MS);
    const epoch = this.#cancelEpoch;
    for (;;) {
      for (let i = 0; i < 64; i++) {
        if (this.requests.hasData() || Atomics.load(this.i32, CANCEL_EPOCH) !== epoch) {
          if (long) this.#longSpin.record(true);
          return true;
        }
      }
      if (now() >= end) {
        if (long) this.#longSpin.record(false);
        return false;
      }
    }
  }

  /**
   * Announces that the worker is about to park and returns the bell value to wait on, or -1 if
   * work arrived meanwhile (the caller must then not park). Pair with `unpark()`. `busy`: the
   * worker cannot take requests now (it runs as many tasks as it may), so only cancels wake it.
   */
  prepareToPark(busy = false): number {
    const b = Atomics.load(this.i32, BELL);
    Atomics.store(this.i32, PARKED, busy ? PARK_BUSY : PARK_IDLE);
    if ((!busy && this.requests.hasData()) || Atomics.load(this.i32, CANCEL_EPOCH) !== this.#cancelEpoch) {
      Atomics.store(this.i32, PARKED, PARK_NONE);
      return -1;
    }
    return b;
  }

  /** After a park: the worker was woken (or its wait ended), and runs again. */
  unpark(): void {
    Atomics.store(this.i32, PARKED, PARK_NONE);
    this.#woken = true;
    this.#takenAtWake = this.#taken;
  }
}
