/**
 * The proxies' side of a channel (channel.ts): claim a free slot, write the request, ring the
 * doorbell, then spin on the slot's state for a few microseconds (a server that is awake answers
 * a dict get in about one) before parking with POLL_MS timeouts, between which the client checks
 * that the server is alive and the channel open. Every wait is bounded: by the call's deadline,
 * by the channel's START_MS while no server has ever run, and by the server's liveness.
 */
import { ClosedError, InvalidArgumentError, canBlock, deserializeError } from '@sabkit/atomics-sync';
import { ManagerConnectionError, ManagerStartError } from './manager-errors.js';
import { assertCallCanBlock } from './page.js';
import * as Channel from './channel.js';
import * as Wire from './wire.js';
// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const { STATUS_OK, decodeResponse, encodeRequest, tooLarge } = Wire;
const {
  DOORBELL,
  FREED,
  HEADER_BYTES,
  MY_TID,
  POLL_MS,
  SERVER_PARKED,
  SERVER_TID,
  SHUTDOWN,
  SHUT_DOWN,
  SHUT_OPEN,
  SHUT_SERVER_FAILED,
  SLOT_ABANDONED,
  SLOT_BUSY,
  SLOT_BYTES,
  SLOT_CLAIMED,
  SLOT_COUNT,
  SLOT_FREE,
  SLOT_HEADER_BYTES,
  SLOT_REQUEST,
  SLOT_RESPONSE,
  SLOT_WAITERS,
  START_MS,
  S_CALLER,
  S_LENGTH,
  S_STATE,
  S_WAITING,
  closedReason,
  deadTid,
} = Channel;

/**
 * Longest spin on a slot's state before parking (µs). A futex wake costs ~25 µs on a quiet machine,
 * so spinning pays while the answer is likely to come sooner: an awake server answers in a few µs,
 * a link's round trip on loopback takes 30-60 µs. On a loaded machine it does not: a spinning
 * thread takes the CPU the server needs (measured with 20+ runnable threads on 2 cores: p50 280 µs
 * per call spinning, 75 µs parking at once). So the spin is adaptive, as glibc's adaptive mutex
 * and WebKit's ParkingLot spin: each thread keeps a moving average of its calls' latency and spins
 * only up to twice that, and not at all when the average exceeds SPIN_US, exploring the full spin
 * once every EXPLORE_EVERY calls so that it finds the fast regime again when the load drops.
 */
const SPIN_US = 50;
/** False on a browser's page: a synchronous call is refused there (page.ts), its …Async form named. */
const CAN_BLOCK = canBlock;
const EXPLORE_EVERY = 16;

function closedError(state: number): Error {
  const why = closedReason(state) as string;
  if (state === SHUT_DOWN) return new ClosedError(`Manager: ${why}`);
  if (state === SHUT_SERVER_FAILED) return new ManagerConnectionError(`Manager: ${why}`);
  return new ManagerConnectionError(`Manager: ${why}`);
}

/** Client side of one channel in this thread; shared by every proxy on it. */
export class ChannelClient {
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #slots: number;
  readonly #slotBytes: number;
  readonly #home: number;
  /** Moving average of this thread's call latency, µs (weight 1/8). */
  #latency = 0;
  #calls = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer);
    this.#u8 = new Uint8Array(buffer);
    this.#slots = this.#i32[SLOT_COUNT] as number;
    this.#slotBytes = this.#i32[SLOT_BYTES] as number;
    // Each thread starts its search at its own slot, so threads rarely race for one.
    this.#home = this.#slots > 0 ? MY_TID % this.#slots : 0;
  }

  #word(slot: number): number {
    return (HEADER_BYTES + slot * (SLOT_HEADER_BYTES + this.#slotBytes)) >> 2;
  }

  /** Throws if the channel is closed, its server dead, or it never started within START_MS. */
  check(waitedMs: number): void {
    const state = Atomics.load(this.#i32, SHUTDOWN);
    if (state !== SHUT_OPEN) throw closedError(state);
    const tid = Atomics.load(this.#i32, SERVER_TID);
    if (deadTid(tid)) throw closedError(SHUT_SERVER_FAILED);
    const startMs = this.#i32[START_MS] as number;
    if (tid === 0 && waitedMs >= startMs) {
      throw new ManagerStartError(
        `Manager: the server did not start within ${startMs} ms (startTimeout); its worker file may be ` +
          'missing (a bundle that did not copy manager-server.js) or failed to load',
      );
    }
  }

  #claim(t0: number, deadline: number): number {
    for (;;) {
      for (let k = 0; k < this.#slots; k++) {
        const s = (this.#home + k) % this.#slots;
        const w = this.#word(s);
        if (Atomics.compareExchange(this.#i32, w + S_STATE, SLOT_FREE, SLOT_CLAIMED) === SLOT_FREE) {
          Atomics.store(this.#i32, w + S_CALLER, MY_TID);
          return s;
        }
      }
      this.check(performance.now() - t0);
      const seen = Atomics.load(this.#i32, FREED);
      Atomics.add(this.#i32, SLOT_WAITERS, 1);
      try {
        if (performance.now() >= deadline) return -1;
        Atomics.wait(this.#i32, FREED, seen, POLL_MS);
      } finally {
        Atomics.sub(this.#i32, SLOT_WAITERS, 1);
      }
    }
  }

  #free(w: number): void {
    Atomics.store(this.#i32, w + S_WAITING, 0);
    Atomics.store(this.#i32, w + S_CALLER, 0);
    Atomics.store(this.#i32, w + S_STATE, SLOT_FREE);
    if (Atomics.load(this.#i32, SLOT_WAITERS) > 0) {
      Atomics.add(this.#i32, FREED, 1);
      Atomics.notify(this.#i32, FREED, 1);
    }
  }

  /** Writes the request into a claimed slot and rings; returns the slot's word index. */
  #send(slot: number, op: number, id: number, name: string, args: readonly unknown[]): number {
    const w = this.#word(slot);
    const at = (w << 2) + SLOT_HEADER_BYTES;
    let n: number;
    try {
      n = encodeRequest(op, id, name, args, this.#u8, at, this.#slotBytes);
    } catch (e) {
      this.#free(w);
      throw e;
    }
    if (n < 0) {
      this.#free(w);
      throw tooLarge('request', -n, this.#slotBytes);
    }
    Atomics.store(this.#i32, w + S_LENGTH, n);
    Atomics.store(this.#i32, w + S_STATE, SLOT_REQUEST);
    Atomics.add(this.#i32, DOORBELL, 1);
    // Every waiter: a link may be parked twice at once (its loop's waitAsync and a sync park).
    if (Atomics.load(this.#i32, SERVER_PARKED) !== 0) Atomics.notify(this.#i32, DOORBELL);
    return w;
  }

  /** Gives up on a sent request: the server will not answer into it, or frees it when it does. */
  #abandon(w: number): boolean {
    if (Atomics.compareExchange(this.#i32, w + S_STATE, SLOT_REQUEST, SLOT_CLAIMED) === SLOT_REQUEST) {
      this.#free(w);
      return true;
    }
    return Atomics.compareExchange(this.#i32, w + S_STATE, SLOT_BUSY, SLOT_ABANDONED) === SLOT_BUSY;
  }

  #took(w: number, sent: number): unknown {
    this.#latency += ((performance.now() - sent) * 1000 - this.#latency) / 8;
    return this.#take(w);
  }

  #take(w: number): unknown {
    const at = (w << 2) + SLOT_HEADER_BYTES;
    let status: number;
    let value: unknown;
    try {
      [status, value] = decodeResponse(this.#u8, at, Atomics.load(this.#i32, w + S_LENGTH));
    } finally {
      this.#free(w);
    }
    if (status !== STATUS_OK) throw deserializeError(value);
    return value;
  }

  /**
   * One request, answered synchronously: blocks this thread until the answer, the deadline
   * (performance.now() clock; `onTimeout` makes the error), or the channel's end.
   */
  call(
    op: number,
    id: number,
    name: string,
    args: readonly unknown[],
    deadline = Infinity,
    onTimeout?: () => Error,
  ): unknown {
    if (!CAN_BLOCK) assertCallCanBlock(name);
    if (Atomics.load(this.#i32, SERVER_TID) === MY_TID) {
      throw new InvalidArgumentError(
        "Manager: a synchronous proxy call from the thread that runs the manager's server would wait " +
          'for ever (the server answers on this thread); call it from another thread, or use the async form',
      );
    }
    const t0 = performance.now();
    const slot = this.#claim(t0, deadline);
    if (slot < 0) throw onTimeout ? onTimeout() : new ManagerConnectionError('Manager: no free slot in time');
    const w = this.#send(slot, op, id, name, args);
    const sw = w + S_STATE;
    const sent = performance.now();
    const explore = ++this.#calls % EXPLORE_EVERY === 0;
    const spinUs = explore ? SPIN_US : this.#latency > SPIN_US ? 0 : Math.min(SPIN_US, 2 * this.#latency + 2);
    if (spinUs > 0) {
      const end = sent + spinUs / 1000;
      for (let k = 1; ; k++) {
        if (Atomics.load(this.#i32, sw) === SLOT_RESPONSE) return this.#took(w, sent);
        if ((k & 63) === 0 && performance.now() > end) break;
      }
    }
    for (;;) {
      const s = Atomics.load(this.#i32, sw);
      if (s === SLOT_RESPONSE) return this.#took(w, sent);
      const now = performance.now();
      this.#endIfDue(w, now - t0, now, deadline, onTimeout);
      // S_WAITING before the wait, S_STATE re-checked by the wait itself: an answer stored after
      // the server read S_WAITING as 0 is seen here, so no wake-up is lost.
      Atomics.store(this.#i32, w + S_WAITING, 1);
      Atomics.wait(this.#i32, sw, s, Math.max(1, Math.min(POLL_MS, deadline - now)));
      Atomics.store(this.#i32, w + S_WAITING, 0);
    }
  }

  /**
   * Between two waits of a call, sync or async: a dead server or channel (check) or a passed
   * deadline ends the call, its slot abandoned so the server drops the answer. A deadline loses to
   * an answer already stored (#abandon returns false then, and the caller reads it).
   */
  #endIfDue(w: number, waited: number, now: number, deadline: number, onTimeout?: () => Error): void {
    try {
      this.check(waited);
    } catch (e) {
      this.#abandon(w);
      throw e;
    }
    if (now >= deadline && this.#abandon(w)) {
      throw onTimeout ? onTimeout() : new ManagerConnectionError('Manager: the request timed out');
    }
  }

  /** The same request without blocking the event loop (Atomics.waitAsync between checks). */
  async callAsync(
    op: number,
    id: number,
    name: string,
    args: readonly unknown[],
    deadline = Infinity,
    onTimeout?: () => Error,
  ): Promise<unknown> {
    const t0 = performance.now();
    let slot = this.#claim(t0, t0); // no blocking here: a busy channel is retried below
    while (slot < 0) {
      await new Promise((r) => setTimeout(r, 1));
      if (performance.now() >= deadline) throw onTimeout ? onTimeout() : new ManagerConnectionError('Manager: busy');
      slot = this.#claim(performance.now(), performance.now());
    }
    const w = this.#send(slot, op, id, name, args);
    const sw = w + S_STATE;
    // Node 20: a pending waitAsync does not keep the process alive; this timer does.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      for (;;) {
        const s = Atomics.load(this.#i32, sw);
        if (s === SLOT_RESPONSE) return this.#take(w);
        const now = performance.now();
        this.#endIfDue(w, now - t0, now, deadline, onTimeout);
        Atomics.store(this.#i32, w + S_WAITING, 1);
        const r = Atomics.waitAsync(this.#i32, sw, s, Math.max(1, Math.min(POLL_MS, deadline - now)));
        if (r.async) await r.value;
        Atomics.store(this.#i32, w + S_WAITING, 0);
      }
    } finally {
      clearInterval(keepAlive);
    }
  }
}

const clients = new WeakMap<SharedArrayBuffer, ChannelClient>();

/** The client for `buffer` in this thread. */
export function channelClient(buffer: SharedArrayBuffer): ChannelClient {
  let c = clients.get(buffer);
  if (!c) clients.set(buffer, (c = new ChannelClient(buffer)));
  return c;
}
