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
 * Parking (Dekker's pattern, on one word): before parking, the waiter ORs WAITING_MARK (ring.ts)
 * into the very word the other side advances (TAIL for a reader, HEAD for a writer) and parks on
 * the value that OR returned, mark included, if it is still the value it observed. The other side
 * advances that word with Atomics.add, whose return value says whether the mark was there. Two
 * read-modify-writes of one word are ordered: if the OR came first, the add returns the mark and
 * its side notifies; if the add came first, the OR returns a value other than the one observed and
 * the waiter does not park. The notifier takes the mark off before notifying, so a park costs ONE
 * notify however many messages the other side publishes while the woken thread waits for a core
 * (a count of sleepers in its own word, as before, made the other side pay a notify syscall and a
 * load per message: 200k notifies for 150 parks in one 1->1 run). Only a side's lock holder parks
 * on TAIL or HEAD, so the mark has one owner, which also clears it when it wakes for any other
 * reason (timeout, poll): a reader polling with get(0) leaves no mark to make later puts pay a
 * syscall. A holder that dies parked leaves the mark: it costs the other side one needless notify.
 */
import { ROBUST_POLL_MS } from '../sync/lock-core.js';
import { WAITING_MARK } from './ring.js';
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
  /**
   * Wake up every ROBUST_POLL_MS to re-check something no store announces (a peer's death, a
   * writer leaving after a close).
   */
  poll: boolean;
  /** Whether an AbortSignal may interrupt this wait (false mid-message: see ring.ts). */
  abortable: boolean;
}

export function newPark(): Park {
  return { index: 0, value: 0, deadline: Infinity, poll: false, abortable: true };
}

function capped(p: Park): number {
  return p.poll ? Math.min(p.deadline, performance.now() + ROBUST_POLL_MS) : p.deadline;
}

/**
 * Sets WAITING_MARK in the word `p` waits on. Returns the marked value to park on, or 0 (never a
 * marked value) when the word no longer holds the value observed: then the mark is taken off again
 * and the slow path looks at the ring anew.
 */
function announce(i32: Int32Array, p: Park): number {
  const marked = Atomics.or(i32, p.index, WAITING_MARK) | WAITING_MARK;
  if (marked === (p.value | WAITING_MARK)) return marked;
  Atomics.and(i32, p.index, ~WAITING_MARK);
  return 0;
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
    const marked = announce(i32, p);
    if (marked === 0) {
      res = 'not-equal';
      continue;
    }
    try {
      res = parkSync(i32, p.index, marked, capped(p));
    } catch (e) {
      Atomics.and(i32, p.index, ~WAITING_MARK);
      gen.throw(e); // runs the slow path's cleanup (abort record, counts) and rethrows
      throw e;
    }
    Atomics.and(i32, p.index, ~WAITING_MARK);
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
    const marked = announce(i32, p);
    if (marked === 0) {
      res = 'not-equal';
      continue;
    }
    try {
      res = await parkAsync(i32, p.index, marked, capped(p), p.abortable ? signal : undefined);
    } catch (e) {
      failure = { error: e };
    } finally {
      Atomics.and(i32, p.index, ~WAITING_MARK);
    }
  }
}
