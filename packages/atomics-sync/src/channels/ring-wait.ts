/**
 * Drivers for the record ring's slow paths (ring.ts). A slow path is written once, as a generator
 * that yields a `Park` whenever it must wait for a shared word to change; `driveSync` serves those
 * requests with Atomics.wait (workers), `driveAsync` with Atomics.waitAsync (any thread, never
 * blocks the event loop). So the chunking, orphan and close logic exists in one copy for put/get,
 * send/recv and their async forms.
 *
 * Every wait spins first and parks only if the word did not change: a busy peer hands over
 * without a futex round trip. Sync waits spin RING_SPIN_MICROS; async waits spin only wait.ts's
 * short SPIN_ITERATIONS, because they spin on an event loop that has other work.
 *
 * Parking (Dekker's pattern, as futex-based queues do): before parking, the waiter sets a "parked"
 * flag that the other side reads after each publish, then parks on the very word the other side
 * changes (TAIL for a reader, HEAD for a writer) with the value it observed. The other side changes
 * that word, then loads the flag (both sequentially consistent): either it sees the flag, or our
 * wait sees its change and returns at once. The side that sees the flag takes it (exchange to 0)
 * and notifies; so each park costs ONE notify, however many messages the other side publishes
 * during the ~25-50 µs the woken thread takes to run again (a count of sleepers, as this word
 * was, made the other side pay a notify syscall per message in that window: 200k notifies for
 * 150 parks in a 1->1 stream). Only a side's lock holder ever parks on TAIL or HEAD, so the flag
 * has one owner, which also clears it when it wakes for any other reason (timeout, poll, a
 * change seen before the notify): a reader polling with get(0) leaves no flag behind to make
 * every later put pay a syscall. A holder that dies parked leaves the flag set: it costs the
 * other side one needless notify, which clears it.
 */
import { ROBUST_POLL_MS } from '../sync/lock-core.js';
import { type WaitResult, parkAsync, parkSync, spinWhileEqual } from '../runtime/wait.js';

/**
 * How long (µs) a ring waiter spins before it parks. A park costs the waiter a futex wake-up
 * (~25-50 µs here, more when the cores are busy) and the other side a notify syscall, so by the
 * usual competitive argument spinning up to about one park's cost at most doubles a wait that
 * parking would have paid anyway, while a peer that answers within it (ping-pong, a producer a
 * few µs ahead, a 64 KiB item being copied) is met with no syscall on either side. Measured in
 * time, not iterations: wait.ts's SPIN_ITERATIONS assumes Atomics.pause, which Node 20 lacks, so
 * its 512 loads take ~1 µs here, shorter than one 64 KiB copy. Longer spins (200 µs, 1 ms, also
 * grown per handle while a side streams) were measured on the 1->1 queue benchmark: they help on
 * an idle machine, where a woken thread gets a core at once, but under other load the spinner
 * keeps a core its descheduled peer needs (medians at load ~6: 3.2M msgs/s at 20 µs, 2.2M at
 * 200 µs, 1.4M at 1 ms).
 */
export const RING_SPIN_MICROS = 20;

/** Spins while i32[index] === value, up to RING_SPIN_MICROS; true if it changed. */
export function spinRing(i32: Int32Array, index: number, value: number): boolean {
  // A streaming peer usually answers within a few loads: only then read the clock (~60 ns a call).
  for (let i = 0; i < 64; i++) if (Atomics.load(i32, index) !== value) return true;
  const until = performance.now() + RING_SPIN_MICROS / 1000;
  do {
    for (let i = 0; i < 64; i++) if (Atomics.load(i32, index) !== value) return true;
  } while (performance.now() < until);
  return false;
}

/** A wait request yielded by a slow path. The same object is reused for all of one call's waits. */
export interface Park {
  /** Word to wait on, and the value observed in it. */
  index: number;
  value: number;
  /** Absolute deadline (performance.now clock), Infinity for none. */
  deadline: number;
  /** The flag word of this kind's parked waiter (taken by the other side when it notifies). */
  parked: number;
  /**
   * Wake up every ROBUST_POLL_MS to re-check something no store announces (a peer's death, a
   * writer leaving after a close).
   */
  poll: boolean;
  /** Whether an AbortSignal may interrupt this wait (false mid-message: see ring.ts). */
  abortable: boolean;
}

export function newPark(): Park {
  return { index: 0, value: 0, deadline: Infinity, parked: 0, poll: false, abortable: true };
}

function capped(p: Park): number {
  return p.poll ? Math.min(p.deadline, performance.now() + ROBUST_POLL_MS) : p.deadline;
}

/** Runs a slow path to completion on this thread, blocking it while it waits. */
export function driveSync<R>(i32: Int32Array, gen: Generator<Park, R, WaitResult>): R {
  let res: WaitResult = 'ok';
  for (;;) {
    const r = gen.next(res);
    if (r.done) return r.value;
    const p = r.value;
    if (spinRing(i32, p.index, p.value)) {
      res = 'not-equal';
      continue;
    }
    Atomics.store(i32, p.parked, 1);
    try {
      res = parkSync(i32, p.index, p.value, capped(p));
    } catch (e) {
      Atomics.store(i32, p.parked, 0);
      gen.throw(e); // runs the slow path's cleanup (abort record, counts) and rethrows
      throw e;
    }
    Atomics.store(i32, p.parked, 0);
  }
}

/** Runs a slow path with asynchronous waits; an abort of `signal` is thrown into the generator. */
export async function driveAsync<R>(
  i32: Int32Array,
  gen: Generator<Park, R, WaitResult>,
  signal: AbortSignal | undefined,
): Promise<R> {
  let res: WaitResult = 'ok';
  let failure: { error: unknown } | undefined;
  for (;;) {
    const r = failure ? gen.throw(failure.error) : gen.next(res);
    failure = undefined;
    if (r.done) return r.value;
    const p = r.value;
    if (spinWhileEqual(i32, p.index, p.value)) {
      res = 'not-equal';
      continue;
    }
    Atomics.store(i32, p.parked, 1);
    try {
      res = await parkAsync(i32, p.index, p.value, capped(p), p.abortable ? signal : undefined);
    } catch (e) {
      failure = { error: e };
    } finally {
      Atomics.store(i32, p.parked, 0);
    }
  }
}
