/**
 * How the main thread learns that tasks completed, without ever blocking its event loop.
 *
 * The main thread never calls Atomics.wait. After run() (and after every batch of completions)
 * a microtask drains the response rings. Then:
 *  - if results are expected within MAIN_SPIN_MS (the recent tasks are that short), it keeps
 *    polling the rings for up to MAIN_SPIN_MS: a park and wake-up costs ~25 µs of latency plus an
 *    event-loop turn, so for results that close, a short spin is both faster and cheaper. This is
 *    what makes a sequential round trip a few microseconds. While such spins keep failing (a
 *    loaded machine), it stops spinning (adaptive-spin.ts).
 *  - otherwise, or when the spin finds nothing, it parks: sets MAIN_PARKED and awaits
 *    Atomics.waitAsync on MAIN_BELL, which workers ring only while MAIN_PARKED is set (and only
 *    when they must: see worker-channel.ts). The park is bounded by MAIN_PARK_MAX_MS, a safety net
 *    for a worker that deferred its wake-up and then started a long task.
 * Continuous microtask polling starves timers and I/O, so after POLL_SLICE_MS of it the next poll
 * goes through setImmediate, giving the event loop a turn.
 *
 * Lost wake-ups cannot happen (Dekker, with sequentially consistent atomics): the main thread
 * stores MAIN_PARKED, then re-reads every response ring before it waits; a worker publishes its
 * response, then reads MAIN_PARKED.
 *
 * MAIN_PARKED is set only while main really waits: every poll clears it first. A waitAsync left
 * pending by a park that a poll interrupted (main submitted a task and spins for its result) stays
 * armed and is reused by the next park, as long as MAIN_BELL has not moved: re-announcing it is
 * two stores, where releasing it would be a futex wake on main plus a wasted event-loop turn. A
 * stale MAIN_PARKED (the old code cleared it only when the wait resolved) made workers ring a
 * spinning main after every result (~5-25 µs of the worker's time each), the slow one of the
 * round trip's "two stable states".
 *
 * Layout: docs/layouts/pool.md
 */
import { AdaptiveSpin } from './adaptive-spin.js';
import { MAIN_BELL as BELL_WORD, MAIN_PARKED as PARKED_WORD, MAIN_WAIT_BELL as WAIT_BELL_WORD } from './layout.js';

/*
 * As module locals: in the CommonJS build layout.ts lives in another pack, and each read of its
 * exports from here would be two getter calls (~30 ns measured; see main-channel.ts).
 */
const MAIN_BELL = BELL_WORD;
const MAIN_PARKED = PARKED_WORD;
const MAIN_WAIT_BELL = WAIT_BELL_WORD;

/**
 * Longest the main thread spins for results it expects soon. About one futex round trip on this
 * machine (wake ~25 µs): spinning longer than a park would cost only burns the core the workers
 * need.
 */
export const MAIN_SPIN_MS = 0.03;
/**
 * Fewest results a poll must find for the next poll to follow at once; fewer is a trickle, and
 * main parks until a worker announces what it must see.
 */
export const POLL_CONTINUE = 8;
/** Longest run of back-to-back microtask polls before the event loop gets a turn. */
export const POLL_SLICE_MS = 2;
/** Ring checks per clock read while main spins. */
const SPIN_CHECKS = 8;
/** Longest a park lasts while results may be waiting unannounced (see #safety). */
export const MAIN_PARK_MAX_MS = 20;

export interface PollTarget {
  /** Wakes parked workers that were handed tasks without a wake-up yet. */
  flush(): void;
  /** Reads every response ring and settles tasks; returns how many records it handled. */
  drain(): number;
  /** True if any response ring has an unread record (racy, cheap). */
  hasResponses(): boolean;
  /** Tasks submitted and not yet answered by a worker (slots and queue). */
  outstanding(): number;
  /** Whether results are expected within MAIN_SPIN_MS. */
  expectSoon(): boolean;
  /** Whether some worker holds enough tasks that it may defer announcing a result. */
  mayDefer(): boolean;
}

/**
 * Schedules an internal callback as a microtask. Node's queueMicrotask() wraps every callback in
 * an AsyncResource (for async_hooks), which was ~10% of the main thread's time per task in a
 * profile of 0.1 ms tasks; a resolved promise's then() is a bare microtask. Only for callbacks of
 * ours that do not throw: an exception here would surface as an unhandled rejection.
 */
const resolved = Promise.resolve();
export function microtask(fn: () => void): void {
  void resolved.then(fn);
}

export class Poller {
  readonly #target: PollTarget;
  readonly #pool: Int32Array;
  #scheduled = false;
  /** MAIN_PARKED is set (by this thread): main announced that it waits. */
  #announced = false;
  /** An Atomics.waitAsync on MAIN_BELL is pending, for the value #waitBell. */
  #waiting = false;
  #waitBell = 0;
  #sliceStart = 0;
  #stopped = false;
  /** The last poll's results came from a spin: a round trip in progress, keep polling. */
  #spun = false;
  readonly #spin = new AdaptiveSpin();
  readonly #tick = (): void => this.#poll();
  readonly #wake = (): void => {
    this.#waiting = false;
    this.#poll();
  };
  /**
   * The bound on a park (MAIN_PARK_MAX_MS), as one interval timer while workers may sit on a
   * deferred result, rather than a timeout on every waitAsync: V8 arms and cancels a timeout task
   * per bounded wait (~15 µs per wake-up here), and a batch of short tasks parks hundreds of times.
   */
  #safety: ReturnType<typeof setInterval> | undefined;
  readonly #check = (): void => {
    if (this.#announced && this.#target.hasResponses()) this.#ring();
  };

  constructor(target: PollTarget, pool: Int32Array) {
    this.#target = target;
    this.#pool = pool;
  }

  /** Makes sure a poll runs soon (call after handing tasks to workers). */
  schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    microtask(this.#tick);
  }

  /** Stops polling for good and releases a pending park. */
  stop(): void {
    this.#stopped = true;
    this.release();
  }

  /**
   * Nothing is outstanding any more (or the pool stops): ends the park bound, and a pending wait
   * (a pending waitAsync keeps a Node 22+ event loop alive, and must not outlive the pool's work).
   */
  release(): void {
    if (this.#safety !== undefined) {
      clearInterval(this.#safety);
      this.#safety = undefined;
    }
    this.#unannounce();
    if (this.#waiting) this.#ring();
  }

  /** Moves MAIN_BELL and wakes the pending wait (as a worker would). */
  #ring(): void {
    Atomics.add(this.#pool, MAIN_BELL, 1);
    Atomics.notify(this.#pool, MAIN_BELL);
  }

  #unannounce(): void {
    if (this.#announced) {
      this.#announced = false;
      Atomics.store(this.#pool, MAIN_PARKED, 0);
    }
  }

  #poll(): void {
    // Awake: workers must not ring for what this poll (or the spin after it) reads anyway.
    this.#unannounce();
    if (this.#stopped) {
      this.#scheduled = false;
      return;
    }
    // #scheduled stays set while this poll runs (it may have been called by #wake): the poll
    // decides itself what follows, another poll or a park. The schedule() calls that draining
    // makes (engine/core.ts, after tasks settle) would only add a second, empty poll per wake-up.
    this.#scheduled = true;
    const t = this.#target;
    const now = performance.now();
    if (this.#sliceStart === 0) this.#sliceStart = now;
    let n = t.drain();
    if (t.outstanding() === 0) {
      this.#scheduled = false;
      this.#sliceStart = 0;
      this.release();
      return;
    }
    // A trickle (results arriving one by one, as from workers busy with tasks of ~0.1 ms) is not
    // worth polling for: the workers announce what main must see (running low, about to idle, a
    // result 4 ms old), and a main thread that keeps polling is a third busy thread on 2 cores,
    // which the scheduler pays for by taking a worker's core for a time slice (gaps of ~4 ms seen).
    const trickle = n > 0 && n < POLL_CONTINUE && !this.#spun;
    this.#spun = false;
    if (n === 0 || trickle) t.flush();
    // The clock as last read: a read costs 60-200 ns on this VM (no vDSO clock), so the spin
    // checks the rings several times per read, and the slice is judged by the last read (a slice
    // may run one drain long).
    let clock = now;
    if (n === 0 && t.expectSoon() && this.#spin.shouldSpin()) {
      const end = now + MAIN_SPIN_MS;
      spin: while (clock < end) {
        for (let i = 0; i < SPIN_CHECKS; i++) if (t.hasResponses()) break spin;
        clock = performance.now();
      }
      n = t.drain();
      this.#spin.record(n > 0);
      this.#spun = n > 0;
    }
    if (n > 0 && !trickle) {
      if (clock - this.#sliceStart < POLL_SLICE_MS) {
        microtask(this.#tick);
      } else {
        this.#sliceStart = 0;
        setImmediate(this.#tick);
      }
      return;
    }
    this.#scheduled = false;
    this.#sliceStart = 0;
    this.#park();
  }

  #park(): void {
    const pool = this.#pool;
    const b = Atomics.load(pool, MAIN_BELL);
    // A pending wait for an older bell value is resolving already: its wake-up polls.
    if (this.#waiting && b !== this.#waitBell) return;
    Atomics.store(pool, MAIN_WAIT_BELL, b);
    Atomics.store(pool, MAIN_PARKED, 1);
    this.#announced = true;
    if (this.#target.hasResponses()) {
      this.#unannounce();
      this.schedule();
      return;
    }
    // The bound matters only when a worker may be sitting on a deferred result (see mayDefer).
    if (this.#safety === undefined && this.#target.mayDefer()) {
      this.#safety = setInterval(this.#check, MAIN_PARK_MAX_MS);
      this.#safety.unref();
    }
    if (this.#waiting) return; // still armed for `b`: announcing it again was enough
    this.#waiting = true;
    this.#waitBell = b;
    const r = Atomics.waitAsync(pool, MAIN_BELL, b);
    if (r.async) void r.value.then(this.#wake);
    else microtask(this.#wake);
  }
}
