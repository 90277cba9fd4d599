/**
 * The main thread's end of one worker's channel (layout.ts): writes task records into the request
 * ring, reads completions from the response ring, sets cancel bits, and wakes the worker only when
 * it has announced that it is parked (a futex wake costs ~25 µs here; a store costs nanoseconds).
 *
 * Wake-up protocol (Dekker-style, relies on the sequential consistency of Atomics):
 *   main:   publish REQ_WRITE (store)  ->  load PARKED  -> if parked: add BELL, notify BELL
 *   worker: load BELL (b)  ->  store PARKED  ->  re-check REQ_WRITE (and CANCEL_EPOCH)  ->
 *           Atomics.wait(BELL, b) or Atomics.waitAsync(BELL, b)
 *   (worker-channel.ts prepareToPark and #waitForRoom, worker/task-loop.ts run and #armAsyncWake)
 * Either main's load sees PARKED set and rings, or the worker's re-check sees the new record.
 * The worker reads BELL before it announces PARKED, so any ring that follows the announcement
 * moves BELL past b, and the wait returns at once, even if the ring came before the wait began.
 *
 * Layout: docs/layouts/pool.md
 */
import { receiveMessageOnPort, type MessagePort, type TransferListItem } from 'node:worker_threads';
import { decode, lastDecodeMayRevive } from './codec-link.js';
import {
  BELL,
  CANCEL_EPOCH,
  LOW_WATER,
  PARKED as PARKED_EXPORT,
  PARK_BUSY as PARK_BUSY_EXPORT,
  PARK_FULL as PARK_FULL_EXPORT,
  PARK_NONE as PARK_NONE_EXPORT,
  REQ_COUNT as REQ_COUNT_EXPORT,
  REQ_READ,
  REQ_RING_BYTES,
  REQ_RING_OFFSET,
  REQ_WRITE,
  ROOM_ASKED,
  ROOM_SEEN,
  RES_READ,
  RES_RING_BYTES,
  RES_RING_OFFSET,
  RES_WRITE,
  SLOT_CANCEL,
  SLOT_FREE as FREE_EXPORT,
  SLOT_QUEUED as QUEUED_EXPORT,
  SLOT_STATE_OFFSET,
  REASON_SHIFT,
  REASON_STEAL,
  STATE,
  channelViews,
  slotStartIndex,
  slotStateIndex,
  type ChannelViews,
} from './layout.js';
import { RingReader, RingWriter, align8 } from './ring.js';
import {
  F_VIA_PORT,
  REQ_DEFINE,
  REQ_HEADER,
  REQ_TASK,
  RES_ERROR,
  RES_HEADER,
  WRITE_FULL,
  WRITE_PORT,
  defineText,
  word1,
  writeRecord,
} from './wire.js';

/*
 * The layout words the per-task path touches, as module locals. In the CommonJS build layout.ts is
 * shared by two packs (scripts/build-cjs.mjs), so every read of one of its exports from this pack
 * is two getter calls: ~30 ns each, measured, and a task read six of them (write, publish, free).
 * A local is a constant to the JIT.
 */
const STATE_BASE = SLOT_STATE_OFFSET >> 2;
const SLOT_QUEUED = QUEUED_EXPORT;
const SLOT_FREE = FREE_EXPORT;
const PARKED = PARKED_EXPORT;
const REQ_COUNT = REQ_COUNT_EXPORT;
const PARK_NONE = PARK_NONE_EXPORT;
const PARK_BUSY = PARK_BUSY_EXPORT;
const PARK_FULL = PARK_FULL_EXPORT;

/** Records that justify waking a parked worker before the main thread's turn ends. */
export const WAKE_BATCH = 64;

export class MainChannel {
  readonly views: ChannelViews;
  readonly requests: RingWriter;
  readonly responses: RingReader;
  /** Main's end of the worker's MessagePort, for payloads that cannot travel in a ring. */
  readonly port: MessagePort;
  #count = 0;
  #published = 0;
  #announced = 0;
  #lowWater = -1;
  #woke = false;
  /** The last ROOM_ASKED stored, and whether main waits for the worker's answer (roomFreed). */
  #asked = 0;
  #askedRoom = false;

  constructor(buffer: SharedArrayBuffer, port: MessagePort) {
    this.views = channelViews(buffer);
    const i32 = this.views.i32;
    this.requests = new RingWriter(i32, REQ_WRITE, REQ_READ, REQ_RING_OFFSET, REQ_RING_BYTES);
    this.responses = new RingReader(i32, RES_WRITE, RES_READ, RES_RING_OFFSET, RES_RING_BYTES);
    this.port = port;
  }

  /**
   * Writes a task record for `slot` (committed, not yet published). Returns false if the request
   * ring is full right now (nothing written, the slot left free). Throws what structured clone
   * throws if the value can travel neither in the ring nor by port (a function, a symbol...).
   */
  writeTask(
    slot: number,
    fn: number,
    flags: number,
    value: unknown,
    transferList: readonly TransferListItem[] | undefined,
  ): boolean {
    if (this.#writeTask(slot, fn, flags, value, transferList)) return true;
    this.#askRoom();
    return this.#writeTask(slot, fn, flags, value, transferList);
  }

  /**
   * The request ring is full: asks the worker to say when it frees room (ROOM_ASKED), for the
   * caller's next write is left to a later poll (see roomFreed). The caller then tries once more:
   * a worker that released room before it could see the question has made that try succeed.
   */
  #askRoom(): void {
    this.#asked = (this.#asked + 1) | 0;
    this.#askedRoom = true;
    Atomics.store(this.views.i32, ROOM_ASKED, this.#asked);
  }

  /**
   * True once, after a full ring (#askRoom), when the worker has since freed room: the pool's
   * queue should be handed over again (PoolCore.fill), even if no response came. `peek`: do not
   * consume the answer (the poller's re-check before it parks).
   */
  roomFreed(peek = false): boolean {
    if (!this.#askedRoom || Atomics.load(this.views.i32, ROOM_SEEN) !== this.#asked) return false;
    if (!peek) this.#askedRoom = false;
    return true;
  }

  #writeTask(
    slot: number,
    fn: number,
    flags: number,
    value: unknown,
    transferList: readonly TransferListItem[] | undefined,
  ): boolean {
    const { i32, u8 } = this.views;
    i32[STATE_BASE + slot] = SLOT_QUEUED;
    if (transferList === undefined || transferList.length === 0) {
      const off = writeRecord(this.requests, i32, u8, REQ_HEADER, word1(REQ_TASK, flags, fn), slot, value);
      if (off >= 0) {
        this.#count++;
        return true;
      }
      if (off === WRITE_FULL) {
        i32[STATE_BASE + slot] = SLOT_FREE;
        return false;
      }
    }
    // By port: reserve the record first, so that a posted message always has its record.
    const len = align8(REQ_HEADER);
    const off = this.requests.reserve(len);
    if (off < 0) {
      i32[STATE_BASE + slot] = SLOT_FREE;
      return false;
    }
    try {
      this.port.postMessage(value, transferList as TransferListItem[] | undefined);
    } catch (e) {
      i32[STATE_BASE + slot] = SLOT_FREE;
      throw e;
    }
    const w = off >> 2;
    i32[w] = len;
    i32[w + 1] = word1(REQ_TASK, flags | F_VIA_PORT, fn);
    i32[w + 2] = slot;
    i32[w + 3] = 0;
    this.requests.commit(len);
    this.#count++;
    return true;
  }

  /** Tells the worker which module and export function id `fn` stands for. False if the ring is full. */
  writeDefine(fn: number, filename: string, name: string): boolean {
    const { i32, u8 } = this.views;
    const text = defineText(filename, name);
    let off = writeRecord(this.requests, i32, u8, REQ_HEADER, word1(REQ_DEFINE, 0), fn, text);
    if (off === WRITE_FULL) {
      this.#askRoom();
      off = writeRecord(this.requests, i32, u8, REQ_HEADER, word1(REQ_DEFINE, 0), fn, text);
    }
    if (off === WRITE_PORT)
      throw new RangeError(`module path too long for a request record: ${filename.slice(0, 80)}...`);
    if (off < 0) return false;
    this.#count++;
    return true;
  }

  /**
   * Makes the written records visible. A parked worker is woken only for a batch worth a futex
   * wake (WAKE_BATCH records since it was last seen awake) or when `force`: the main thread is
   * still handing out tasks, and waking the worker for each one would cost more (a wake is ~5 µs
   * of main-thread time) than the tasks themselves. Callers force a flush before the main thread
   * stops handing out (end of its turn, before it parks), so a parked worker never sleeps on
   * published work. Returns true if records are left unannounced to a parked worker.
   */
  publish(force: boolean): boolean {
    const i32 = this.views.i32;
    if (this.#published !== this.#count) {
      this.requests.publish();
      Atomics.store(i32, REQ_COUNT, this.#count | 0);
      this.#published = this.#count;
    }
    if (this.#count === this.#announced) return false;
    const parked = Atomics.load(i32, PARKED);
    if (parked === PARK_NONE || parked === PARK_BUSY) {
      // Awake (or unable to take more): it reads the ring before it parks again.
      this.#announced = this.#count;
      return false;
    }
    if (!force && ((this.#count - this.#announced) | 0) < WAKE_BATCH) return true;
    this.#announced = this.#count;
    this.wake();
    return false;
  }

  /** Rings the worker's bell: wakes it whether it waits for requests or for response room. */
  wake(): void {
    this.#woke = true;
    Atomics.add(this.views.i32, BELL, 1);
    Atomics.notify(this.views.i32, BELL);
  }

  /**
   * Whether the worker had to be woken since the last call (then its next result is at least a
   * futex wake-up away, ~25 µs: not worth spinning for).
   */
  takeWoke(): boolean {
    const w = this.#woke;
    this.#woke = false;
    return w;
  }

  /**
   * Reads every published response, calling `each(slot, kind, value, start, run, mayRevive)` for
   * each (value from the ring or the port; start and run in ms; mayRevive: the value may hold a
   * sabkit descriptor, see wire.ts payloadMayRevive), then gives the room back. Returns the number
   * of records read.
   */
  readResponses(
    each: (slot: number, kind: number, value: unknown, start: number, run: number, mayRevive: boolean) => void,
  ): number {
    const { i32, u8, f64 } = this.views;
    const ring = this.responses;
    let n = 0;
    for (;;) {
      const off = ring.peek();
      if (off < 0) break;
      const w = off >> 2;
      const w1 = i32[w + 1];
      const slot = i32[w + 2];
      let kind = w1 & 0xff;
      let value: unknown;
      let mayRevive = true;
      // A payload this thread cannot read (a runtime whose codec lacks what the worker's had) fails
      // its own task, never the poller: a throw here would leave every task of the pool unsettled.
      try {
        if ((w1 >>> 8) & F_VIA_PORT) value = receiveMessageOnPort(this.port)?.message;
        else {
          value = decode(u8, off + RES_HEADER, i32[w + 3]);
          mayRevive = lastDecodeMayRevive();
        }
      } catch (e) {
        kind = RES_ERROR;
        value = e;
      }
      const start = f64[(off >> 3) + 2];
      const run = f64[(off >> 3) + 3];
      ring.advance(i32[w]);
      n++;
      each(slot, kind, value, start, run, mayRevive);
    }
    if (n > 0) this.releaseResponses();
    return n;
  }

  /** After reading responses: gives their room back, and wakes the worker if it waits for room. */
  releaseResponses(): void {
    this.responses.release();
    if (Atomics.load(this.views.i32, PARKED) === PARK_FULL) this.wake();
  }

  /**
   * Asks the worker to cancel the task in `slot` for `reason` (REASON_*). Returns the slot's state
   * word before the request: phase SLOT_QUEUED, it will be skipped, never started; SLOT_RUNNING,
   * its taskSignal() aborts (SLOT_OBSERVED tells whether the task asked for that signal).
   */
  cancel(slot: number, reason: number): number {
    const i32 = this.views.i32;
    const old = Atomics.or(i32, slotStateIndex(slot), SLOT_CANCEL | (reason << REASON_SHIFT));
    Atomics.add(i32, CANCEL_EPOCH, 1);
    this.wake();
    return old;
  }

  /**
   * Cancels the task in `slot` only if it has not started (atomically: the worker either skips
   * it or had already taken it). Returns true if it was cancelled.
   */
  cancelIfQueued(slot: number, reason: number): boolean {
    const i32 = this.views.i32;
    if (
      Atomics.compareExchange(
        i32,
        slotStateIndex(slot),
        SLOT_QUEUED,
        SLOT_QUEUED | SLOT_CANCEL | (reason << REASON_SHIFT),
      ) !== SLOT_QUEUED
    )
      return false;
    Atomics.add(i32, CANCEL_EPOCH, 1);
    this.wake();
    return true;
  }

  /**
   * Takes back the task in `slot` if the worker has not started it, so that an idle worker can run
   * it: the worker will skip it and answer "skipped". Unlike a cancel it neither bumps
   * CANCEL_EPOCH nor wakes the worker: nothing runs there that must notice, and the skip happens
   * when the worker reaches the record. Returns true if the task was taken back.
   */
  steal(slot: number): boolean {
    const i = slotStateIndex(slot);
    return (
      Atomics.compareExchange(
        this.views.i32,
        i,
        SLOT_QUEUED,
        SLOT_QUEUED | SLOT_CANCEL | (REASON_STEAL << REASON_SHIFT),
      ) === SLOT_QUEUED
    );
  }

  /** The phase of `slot` now (racy: the worker may start the task an instant later). */
  phase(slot: number): number {
    return Atomics.load(this.views.i32, slotStateIndex(slot)) & 0xf;
  }

  /** When the task in `slot` started (epoch ms), if its request had F_TIMED and it started. */
  startTime(slot: number): number {
    return this.views.f64[slotStartIndex(slot)];
  }

  freeSlot(slot: number): void {
    this.views.i32[STATE_BASE + slot] = SLOT_FREE;
  }

  /** The LOW_WATER main last set for this worker (-1: never set). */
  get lowWater(): number {
    return this.#lowWater;
  }

  /** Sets the worker's low-water mark: it notifies a parked main thread when fewer requests remain. */
  setLowWater(n: number): void {
    if (n !== this.#lowWater) {
      this.#lowWater = n;
      Atomics.store(this.views.i32, LOW_WATER, n);
    }
  }

  /** The worker's lifecycle word (STATE_*). */
  state(): number {
    return Atomics.load(this.views.i32, STATE);
  }
}
