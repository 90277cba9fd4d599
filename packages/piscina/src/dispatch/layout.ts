/**
 * Shared-memory layout of the pool's dispatch: one "channel" SharedArrayBuffer per worker and one
 * "pool" SharedArrayBuffer shared by the main thread and all workers.
 *
 * Channel (per worker). Int32 words unless noted; each group of words written by one side sits on
 * its own 64-byte cache line, so the two threads never write the same line (no false sharing):
 *
 *   line 0  [0, 64)      written by main
 *     0   REQ_WRITE      request ring: write position in bytes (uint32, wraps; see ring.ts)
 *     4   REQ_COUNT      requests published so far (uint32, wraps)
 *     8   BELL           the worker's futex word: main adds 1 to wake a parked worker
 *     12  CANCEL_EPOCH   main adds 1 after setting a CANCEL bit, so the worker rescans its tasks
 *     16  LOW_WATER      "notify me when at most this many requests are left unstarted"
 *     20  ROOM_ASKED     main adds 1 when a request did not fit the ring: "tell me when you free
 *                        room" (the worker answers in ROOM_SEEN; see main-channel.ts)
 *   line 1  [64, 128)    written by the worker
 *     64  REQ_READ       request ring: read position in bytes
 *     68  PARKED         PARK_NONE, PARK_IDLE (waits for requests), PARK_FULL (waits for room
 *                        in the response ring) or PARK_BUSY (runs as many async tasks as it may
 *                        and waits only for cancels); set before the worker waits on BELL
 *     72  STATE          STATE_BOOTING -> STATE_READY; STATE_RETIRE when the heap is over the limit
 *     76  HEAP_MB        the worker's heap use in MiB at its last check
 *     80  LOADING        LOADING_IDLE 0 | LOADING_BUSY 1 (the worker loads a task module) |
 *                        LOADING_STOP 2 (main is terminating the worker). Terminating a worker
 *                        inside require() of an ES module aborts the whole process (Node 20 and
 *                        24, measured). Both sides claim the word by compare-exchange from IDLE:
 *                        main waits out BUSY before it claims STOP and terminates; a worker that
 *                        finds STOP never starts a load (it waits to be terminated)
 *     84  ROOM_SEEN      the last ROOM_ASKED the worker answered by freeing request-ring room
 *   line 2  [128, 192)   written by the worker
 *     128 RES_WRITE      response ring: write position in bytes
 *   line 3  [192, 256)   written by main
 *     192 RES_READ       response ring: read position in bytes
 *   [SLOT_STATE_OFFSET, +4*SLOTS)     Int32 per slot: the state of the task occupying it
 *   [SLOT_START_OFFSET, +8*SLOTS)     Float64 per slot: when the task started (ms, epoch clock),
 *                                     written by the worker before it marks the slot RUNNING
 *   [REQ_RING_OFFSET, +REQ_RING_BYTES)  request ring data  (main -> worker)
 *   [RES_RING_OFFSET, +RES_RING_BYTES)  response ring data (worker -> main)
 *
 * Slot state word (one per in-flight task; the slot number travels in the task's records):
 *
 *   bits 0-3  SLOT_FREE 0 | SLOT_QUEUED 1 (main wrote it) | SLOT_RUNNING 2 (worker took it)
 *   bit  4    SLOT_CANCEL: main wants the task cancelled; the worker skips it if not started, or
 *             aborts its taskSignal() if running
 *   bit  5    SLOT_OBSERVED: the running task asked for its taskSignal(), so it can see a cancel
 *             and gets a grace period to stop before its worker is terminated
 *   bits 8-11 the cancel reason: REASON_ABORT | REASON_TIMEOUT | REASON_CLOSE | REASON_STEAL (main
 *             moved the unstarted task to an idle worker; only ever set on a QUEUED slot)
 *
 *   main: FREE -> QUEUED (store, before the record is published), QUEUED|RUNNING -> |CANCEL (or),
 *         QUEUED -> QUEUED|CANCEL|STEAL (compare-exchange: a steal never touches a started task),
 *         any -> FREE (store, once it read the task's final response)
 *   worker: QUEUED -> RUNNING (compare-exchange; fails if CANCEL was set first: the task is skipped),
 *           |OBSERVED (or)
 *
 * Pool buffer (one per pool):
 *
 *   line 0  MAIN_BELL    the main thread's wake-up word: a worker adds 1, then notifies it
 *   line 1  MAIN_PARKED  1 while the main thread waits (Atomics.waitAsync) on MAIN_BELL
 *           MAIN_WAIT_BELL  the MAIN_BELL value that wait is for, stored before MAIN_PARKED: a
 *                        worker that finds MAIN_BELL already past it knows main's wake-up is on its
 *                        way and does not ring again (a futex wake costs the worker ~5-25 µs)
 *
 * All-zero memory is the initial state of both: empty rings, no task, nobody parked, booting.
 *
 * Layout: docs/layouts/pool.md
 */
export const CACHE_LINE = 64;

// Channel control words (Int32 indexes).
export const REQ_WRITE = 0;
export const REQ_COUNT = 1;
export const BELL = 2;
export const CANCEL_EPOCH = 3;
export const LOW_WATER = 4;
export const ROOM_ASKED = 5;
export const REQ_READ = 16;
export const PARKED = 17;
export const STATE = 18;
export const HEAP_MB = 19;
export const LOADING = 20;
export const ROOM_SEEN = 21;
/** Values of LOADING. */
export const LOADING_IDLE = 0;
export const LOADING_BUSY = 1;
export const LOADING_STOP = 2;
export const RES_WRITE = 32;
export const RES_READ = 48;

/** Values of PARKED. */
export const PARK_NONE = 0;
export const PARK_IDLE = 1;
export const PARK_FULL = 2;
export const PARK_BUSY = 3;

/** Values of STATE. */
export const STATE_BOOTING = 0;
export const STATE_READY = 1;
export const STATE_RETIRE = 2;

/** Slot state bits. */
export const SLOT_FREE = 0;
export const SLOT_QUEUED = 1;
export const SLOT_RUNNING = 2;
export const SLOT_PHASE_MASK = 0xf;
export const SLOT_CANCEL = 0x10;
export const SLOT_OBSERVED = 0x20;
export const REASON_SHIFT = 8;
export const REASON_MASK = 0xf00;
export const REASON_ABORT = 1;
export const REASON_TIMEOUT = 2;
export const REASON_CLOSE = 3;
export const REASON_STEAL = 4;

/**
 * Tasks a worker can hold at once (running or waiting in its request ring). Caps the dispatch
 * pipeline: 1024 tiny tasks are ~0.5 ms of work at ~0.5 µs each, enough to cover a main-thread
 * wake-up (~25 µs) many times over; bigger buys nothing measurable.
 */
export const SLOTS = 1024;

/** Bytes of the request ring: 1024 small tasks of ~64 bytes fit, with room to spare. */
export const REQ_RING_BYTES = 1 << 17;
/** Bytes of the response ring. Larger results than RING_INLINE_MAX go by MessagePort. */
export const RES_RING_BYTES = 1 << 17;

export const CONTROL_BYTES = 4 * CACHE_LINE;
export const SLOT_STATE_OFFSET = CONTROL_BYTES;
export const SLOT_START_OFFSET = SLOT_STATE_OFFSET + 4 * SLOTS;
export const REQ_RING_OFFSET = SLOT_START_OFFSET + 8 * SLOTS;
export const RES_RING_OFFSET = REQ_RING_OFFSET + REQ_RING_BYTES;
export const CHANNEL_BYTES = RES_RING_OFFSET + RES_RING_BYTES;

// Pool words (Int32 indexes).
export const MAIN_BELL = 0;
export const MAIN_PARKED = 16;
export const MAIN_WAIT_BELL = 17;
export const POOL_BYTES = 2 * CACHE_LINE;

/**
 * Payloads up to this many encoded bytes travel inside the rings; larger ones go by MessagePort
 * (one structured clone, no extra copy through the ring). A quarter of a ring, so a big payload
 * cannot wedge the ring behind it.
 */
export const RING_INLINE_MAX = REQ_RING_BYTES >> 2;

/** Typed views of one worker's channel. */
export interface ChannelViews {
  readonly buffer: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly f64: Float64Array;
}

export function channelViews(buffer: SharedArrayBuffer): ChannelViews {
  return { buffer, i32: new Int32Array(buffer), u8: new Uint8Array(buffer), f64: new Float64Array(buffer) };
}

/** Index into the channel's Int32 view of slot `slot`'s state word. */
export const slotStateIndex = (slot: number): number => (SLOT_STATE_OFFSET >> 2) + slot;
/** Index into the channel's Float64 view of slot `slot`'s start time. */
export const slotStartIndex = (slot: number): number => (SLOT_START_OFFSET >> 3) + slot;
