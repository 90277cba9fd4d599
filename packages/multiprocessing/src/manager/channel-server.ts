/**
 * The answering side of a channel (channel.ts): one thread, an async loop. It serves every slot
 * that holds a request, spins on DOORBELL for a short while after each burst (the next request of
 * a busy client comes within microseconds, and a futex wake costs ~25 µs), then parks on it with
 * Atomics.waitAsync so that its event loop keeps running (sockets, timers, and the handlers that
 * wait: a Lock.acquire from one client is answered when another client's release comes in).
 */
import { serializeError } from '@sabkit/atomics-sync';
import * as Channel from './channel.js';
import * as Wire from './wire.js';
import type { Request } from './wire.js';
// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const { STATUS_ERROR, STATUS_OK, decodeRequest, encodeResponse, tooLarge } = Wire;
const {
  DOORBELL,
  HEADER_BYTES,
  MY_TID,
  SERVER_PARKED,
  SERVER_TID,
  SHUTDOWN,
  SHUT_OPEN,
  SLOT_ABANDONED,
  SLOT_BUSY,
  SLOT_BYTES,
  SLOT_CLAIMED,
  SLOT_COUNT,
  SLOT_FREE,
  SLOT_HEADER_BYTES,
  SLOT_REQUEST,
  SLOT_RESPONSE,
  S_CALLER,
  S_LENGTH,
  S_STATE,
  S_WAITING,
  deadTid,
} = Channel;

/** Answers one request; a returned promise is answered when it settles. */
export type ChannelHandler = (req: Request, caller: number) => unknown;
/** Forwards the raw request bytes instead (a link thread); `answer` takes the raw response. */
export type RawHandler = (
  bytes: Uint8Array,
  caller: number,
  answer: (status: number, value: unknown, raw?: Uint8Array) => void,
) => void;

/**
 * Longest spin on DOORBELL after a burst before the server parks (ms). It must outlast a parked
 * client's wake-up (a futex wake, ~25-60 µs on a quiet machine), or both sides fall into parking
 * on every call (measured: 50 µs gave ~8k calls/s from the main thread, 200 µs keeps the hot
 * path; the pool's workers spin as long after a wake, WORKER_SPIN_AFTER_WAKE_MS). Adaptive as the
 * client's spin (channel-client.ts): the server keeps a moving average of the gap between an answer
 * and the next request and spins only while that gap is shorter than SPIN_MS (a loaded machine
 * makes gaps long, and a spin there only takes CPU from the client), exploring once every
 * EXPLORE_EVERY parks.
 */
const SPIN_MS = 0.2;
const EXPLORE_EVERY = 16;
/**
 * A server with no network side and nothing pending parks with a synchronous Atomics.wait (woken
 * in ~25 µs) rather than Atomics.waitAsync (woken through its event loop, ~100 µs), for at most
 * this long before its event loop turns (ms).
 */
const SYNC_PARK_MS = 20;
/** Longest run of serving without letting the event loop turn (ms). */
const YIELD_MS = 2;
/** Park timeout: how often an idle server frees the slots of clients that died (ms). */
const IDLE_MS = 1000;

const immediate = () => new Promise<void>((r) => setImmediate(r));

/** Serves `buffer` until SHUTDOWN is set. Exactly one of `handle` / `raw` is used. */
export async function serveChannel(
  buffer: SharedArrayBuffer,
  handle: ChannelHandler | undefined,
  raw?: RawHandler,
  options: {
    readonly syncPark?: boolean;
    readonly onStart?: (spinScan: (ms: number, parkMs?: number) => number) => void;
  } = {},
): Promise<void> {
  const i32 = new Int32Array(buffer);
  const u8 = new Uint8Array(buffer);
  const slots = i32[SLOT_COUNT] as number;
  const slotBytes = i32[SLOT_BYTES] as number;
  const word = (s: number) => (HEADER_BYTES + s * (SLOT_HEADER_BYTES + slotBytes)) >> 2;
  let pending = 0;

  const answer = (w: number, status: number, value: unknown, rawBytes?: Uint8Array) => {
    const at = (w << 2) + SLOT_HEADER_BYTES;
    let n: number;
    if (rawBytes) {
      if (rawBytes.length <= slotBytes) {
        u8.set(rawBytes, at);
        n = rawBytes.length;
      } else n = -rawBytes.length;
    } else {
      try {
        n = encodeResponse(status, value, u8, at, slotBytes);
      } catch (e) {
        n = encodeResponse(STATUS_ERROR, serializeError(e), u8, at, slotBytes);
      }
    }
    if (n < 0) n = encodeResponse(STATUS_ERROR, serializeError(tooLarge('answer', -n, slotBytes)), u8, at, slotBytes);
    Atomics.store(i32, w + S_LENGTH, n);
    if (Atomics.compareExchange(i32, w + S_STATE, SLOT_BUSY, SLOT_RESPONSE) !== SLOT_BUSY) {
      // The client gave up (SLOT_ABANDONED): nobody reads this answer.
      Atomics.store(i32, w + S_CALLER, 0);
      Atomics.store(i32, w + S_STATE, SLOT_FREE);
    } else if (Atomics.load(i32, w + S_WAITING) !== 0) Atomics.notify(i32, w + S_STATE);
  };

  const serveSlot = (w: number) => {
    const at = (w << 2) + SLOT_HEADER_BYTES;
    const len = Atomics.load(i32, w + S_LENGTH);
    const caller = Atomics.load(i32, w + S_CALLER) - 1;
    if (raw) {
      pending++;
      raw(u8.slice(at, at + len), caller, (status, value, rawBytes) => {
        pending--;
        answer(w, status, value, rawBytes);
      });
      return;
    }
    let result: unknown;
    try {
      result = (handle as ChannelHandler)(decodeRequest(u8, at, len), caller);
    } catch (e) {
      answer(w, STATUS_ERROR, serializeError(e));
      return;
    }
    if (result instanceof Promise) {
      pending++;
      result.then(
        (v) => {
          pending--;
          answer(w, STATUS_OK, v);
        },
        (e) => {
          pending--;
          answer(w, STATUS_ERROR, serializeError(e));
        },
      );
    } else answer(w, STATUS_OK, result);
  };

  const scan = (): number => {
    let served = 0;
    for (let s = 0; s < slots; s++) {
      const w = word(s);
      if (Atomics.load(i32, w + S_STATE) !== SLOT_REQUEST) continue;
      if (Atomics.compareExchange(i32, w + S_STATE, SLOT_REQUEST, SLOT_BUSY) !== SLOT_REQUEST) continue;
      served++;
      serveSlot(w);
    }
    return served;
  };

  // Slots whose client thread died between claiming and taking its answer would stay taken.
  const reclaim = () => {
    for (let s = 0; s < slots; s++) {
      const w = word(s);
      const st = Atomics.load(i32, w + S_STATE);
      if ((st === SLOT_CLAIMED || st === SLOT_RESPONSE) && deadTid(Atomics.load(i32, w + S_CALLER))) {
        if (Atomics.compareExchange(i32, w + S_STATE, st, SLOT_FREE) === st) Atomics.store(i32, w + S_CALLER, 0);
      } else if (st === SLOT_ABANDONED && pending === 0) {
        Atomics.store(i32, w + S_STATE, SLOT_FREE);
      }
    }
  };

  let gapMs = 0; // moving average (weight 1/8) of the gap from one burst to the next request
  let lastBurst = 0;
  let parks = 0;
  const noteBurst = () => {
    const now = performance.now();
    if (lastBurst > 0) gapMs += (Math.min(now - lastBurst, 1) - gapMs) / 8;
    lastBurst = now;
  };
  const spinPays = () => gapMs < SPIN_MS || parks % EXPLORE_EVERY === 0;

  /**
   * Serves what is there, then spins up to `ms` for more, then, when nothing is pending, parks up
   * to `parkMs` with a synchronous Atomics.wait (a link calls this after it delivered answers: with
   * nothing in flight its event loop has nothing to do, and a futex wake is cheaper than a wake
   * of its event loop through Atomics.waitAsync).
   */
  const spinScan = (ms: number, parkMs = 0): number => {
    // DOORBELL before the scan: a request that lands after the scan then changes it, so the park
    // below cannot sleep through it.
    let seen = Atomics.load(i32, DOORBELL);
    let served = scan();
    if (served > 0) noteBurst();
    if (spinPays()) {
      const end = performance.now() + ms;
      for (let k = 1; ; k++) {
        const now = Atomics.load(i32, DOORBELL);
        if (now !== seen) {
          seen = now;
          const n = scan();
          if (n > 0) noteBurst();
          served += n;
        }
        if ((k & 63) === 0 && performance.now() > end) break;
      }
    }
    if (served === 0 && pending === 0 && parkMs > 0 && Atomics.load(i32, SHUTDOWN) === SHUT_OPEN) {
      // The serving loop below may be parked in Atomics.waitAsync at the same time (this runs from
      // a socket handler): leave SERVER_PARKED as it was, or requests stop ringing that wait and
      // sit until its IDLE_MS timeout (measured: 1 call in ~700 stalled up to 1 s).
      const was = Atomics.exchange(i32, SERVER_PARKED, 1);
      if (Atomics.load(i32, DOORBELL) === seen) Atomics.wait(i32, DOORBELL, seen, parkMs);
      Atomics.store(i32, SERVER_PARKED, was);
      const n = scan();
      if (n > 0) noteBurst();
      served += n;
    }
    return served;
  };
  options.onStart?.(spinScan);

  Atomics.store(i32, SERVER_TID, MY_TID);
  // Node 20: a pending Atomics.waitAsync does not keep a thread alive; this timer does.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    let burstStart = performance.now();
    let idleParks = 0;

    while (Atomics.load(i32, SHUTDOWN) === SHUT_OPEN) {
      const seen = Atomics.load(i32, DOORBELL);
      // A link (raw) goes back to its event loop at once: the answers come through its socket, and a
      // spin here would hold them up (measured: 4 client threads through one link, ~6x slower).
      if (scan() > 0 && !raw) {
        noteBurst();
        if (pending > 0) await null; // lets settled handlers answer (a release wakes an acquire)
        if (performance.now() - burstStart > YIELD_MS) {
          await immediate();
          burstStart = performance.now();
        }
        continue;
      }
      // Spin a little for the next request: checking the clock every 64 loads keeps it cheap.
      const spinMs = !raw && spinPays() ? SPIN_MS : 0;
      const spinEnd = performance.now() + spinMs;
      let rang = false;
      for (let k = 1; spinMs > 0; k++) {
        if (Atomics.load(i32, DOORBELL) !== seen) {
          rang = true;
          break;
        }
        if ((k & 63) === 0 && performance.now() > spinEnd) break;
      }
      if (rang) continue;
      parks++;
      if (!raw) await immediate(); // a turn of the event loop before parking: sockets, timers, settled handlers
      Atomics.store(i32, SERVER_PARKED, 1);
      if (options.syncPark && pending === 0) {
        if (Atomics.load(i32, DOORBELL) === seen) Atomics.wait(i32, DOORBELL, seen, SYNC_PARK_MS);
        if (++idleParks * SYNC_PARK_MS >= IDLE_MS) {
          idleParks = 0;
          reclaim();
        }
      } else if (Atomics.load(i32, DOORBELL) === seen && Atomics.load(i32, SHUTDOWN) === SHUT_OPEN) {
        const r = Atomics.waitAsync(i32, DOORBELL, seen, IDLE_MS);
        const outcome = r.async ? await r.value : r.value;
        if (outcome === 'timed-out') reclaim();
      }
      Atomics.store(i32, SERVER_PARKED, 0);
      burstStart = performance.now();
    }
  } finally {
    clearInterval(keepAlive);
  }
}
