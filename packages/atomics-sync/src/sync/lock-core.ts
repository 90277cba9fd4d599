/**
 * The raw state machine shared by Lock and RLock (and the robustness constants Semaphore reuses):
 * one Int32 word that holds the owner thread and two flags, changed only by compare-exchange.
 *
 *   bit 31       30        29 ................................ 0
 *   +----------+---------+-----------------------------------+
 *   | STARVING | PARKED  | OWNER: holder's threadId + 1, 0 = free |
 *   +----------+---------+-----------------------------------+
 *
 *   0                        free, nobody parked (all-zero memory is an unlocked lock)
 *   T                        held by thread T-1, nobody parked
 *   T | PARKED               held, waiters may be parked: release must wake one
 *   T | PARKED | STARVING    held, and a waiter has waited STARVATION_MS: release hands over
 *   PARKED | STARVING        RESERVED: free, but only a waiter that has parked may take it
 *
 * Owner and lock state change in ONE compare-exchange: a waiter that reads a dead owner in the word
 * reads it from the very value its takeover CAS will replace, so it can never take over from an
 * owner that has already released (a separate owner slot would allow that race).
 *
 * The algorithm is Drepper's mutex 3 ("Futexes Are Tricky", 2011: a waiter that has slept marks
 * the word "contended" when it takes the lock, because it cannot know whether others still sleep;
 * release wakes one only when the word says someone may sleep), with the owner kept in the word as
 * glibc's robust mutexes do (FUTEX_OWNER_DIED), and Go's sync.Mutex starvation mode (2017) for
 * bounded barging. Names of the bits follow Go's mutexLocked / mutexStarving style.
 *
 * Layout: docs/layouts/lock.md
 */
import { InvalidArgumentError } from '../errors.js';
import { currentThreadId, isThreadDead, livenessTable } from '../runtime/liveness.js';
import { SPIN_ITERATIONS, parkAsync, spinWhileEqual } from '../runtime/wait.js';

/** Bits 0..29: the holder's thread id + 1; 0 means free. */
export const OWNER_MASK = 0x3fffffff;
/** Bit 30: a waiter may be parked on the word, so release must wake one. */
export const PARKED = 1 << 30;
/** Bit 31: a waiter has starved; release hands the lock to parked waiters, newcomers may not barge. */
export const STARVING = 1 << 31;
/** Free but reserved for a waiter that has parked at least once (starvation hand-over). */
export const RESERVED = STARVING | PARKED;

/**
 * This thread's value in the OWNER field. Node thread ids count up from 0 (main) and are never
 * reused; ids above OWNER_MASK - 1 (a billion workers created in one process) cannot own a lock and
 * are refused by `assertOwnerIdFits` rather than silently colliding.
 */
export const SELF: number = currentThreadId + 1;

/**
 * How often a parked waiter wakes on its own to check whether the owner has died (ms).
 * This bounds the takeover delay after a holder dies to about one period (plus the moment the
 * dead thread's creator takes to see its 'exit'). A poll costs a few microseconds of one
 * thread's time; at 50 ms that is under 0.01% of a core per waiter, so idle waiters stay
 * idle, while a dead owner is noticed faster than a human notices a stall.
 */
export const ROBUST_POLL_MS = 50;

/**
 * Fairness: how long a waiter lets newcomers barge before it claims the next hand-over (ms).
 *
 * In normal mode a released lock goes to whoever compare-exchanges first, usually a thread that
 * is already running (often the releaser itself, looping), not the waiter that was just woken:
 * waking a parked thread costs ~25 µs here, so barging keeps a hot lock hot and is why a
 * contended counter reaches tens of millions of ops/s instead of ~40k. The price is that a woken
 * waiter can lose every race. Like Go's sync.Mutex, a waiter that has waited longer than
 * STARVATION_MS sets STARVING; while it is set, release leaves the word RESERVED and wakes one
 * parked waiter, and only a waiter that has parked may take it, so newcomers queue behind the
 * parked ones (which Atomics.notify wakes in FIFO order). The waiter that takes a RESERVED word
 * clears STARVING and the lock returns to normal mode; any other waiter still past the threshold
 * sets it again on its next wake-up. So a waiter is barged past for at most about STARVATION_MS
 * before parked waiters get the lock in turn. 1 ms is Go's choice too: 40 wake-ups' worth, so the
 * hand-over's extra wake-up costs at most a few percent of throughput under heavy contention.
 */
export const STARVATION_MS = 1;

/**
 * A synchronous waiter that has backed off and still finds the lock held does not park on the
 * word (which would make the holder's next release wake it, ~25 µs later, only for it to lose the
 * race again to the holder re-acquiring, and park again: a futex wake on the holder's path every
 * few microseconds, measured here as ownership changing every 5-10 µs and two threads together at
 * half of one thread's speed). It naps instead: it sleeps NAP_FIRST_MS, doubling each time, without
 * publishing anything, and probes the word when it wakes; nobody has to wake it. Once it has waited
 * STARVATION_MS it parks as before, with STARVING set, and the holder's release hands the lock
 * over. So the fairness bound is STARVATION_MS as before, and a holder that keeps the lock busy runs
 * alone between hand-overs: on 2 virtual cores that share a physical one, as here, a waiter that
 * spins (even on registers) halves the holder's speed, one that sleeps does not.
 *
 * The price: a lock that goes free while its waiter naps is seen late by up to the nap (each nap
 * at most as long as all the waiting before it, so at most doubling a wait shorter than
 * STARVATION_MS). Asynchronous waiters park at once as before (a parked promise costs no core).
 */
export const NAP_FIRST_MS = 0.05;
/** What a nap sleeps on: a word nobody notifies (Atomics.wait with a timeout is the only sleep). */
// Made at import: where SharedArrayBuffer is missing (a page without cross-origin isolation) the
// import must still work, so that the first primitive can name the headers; nothing naps there.
const napWord = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : new Int32Array(1);

/** Spin rounds per wake-up cycle; each round is at most SPIN_ITERATIONS / SPIN_ROUNDS loads. */
const SPIN_ROUNDS = 4;
const SPIN_CHUNK = SPIN_ITERATIONS / SPIN_ROUNDS;

/** `lockSlow*` result: acquired normally. Non-negative results are a dead owner's thread id. */
export const ACQUIRED = -1;
/** `lockSlow*` result: the deadline passed; the caller does not hold the lock. */
export const TIMED_OUT = -2;
const PARK = -3;
const NAP = -4;

/** Throws unless this thread's id fits in the OWNER field. */
export function assertOwnerIdFits(kind: string): void {
  if (SELF < 1 || SELF > OWNER_MASK) {
    throw new InvalidArgumentError(
      `${kind}: thread id ${currentThreadId} is too large to own a lock (the limit is ${OWNER_MASK - 1})`,
    );
  }
  livenessTable(); // created before any worker this thread starts, so they share it
}

/** The fast path: one compare-exchange from free to held-by-this-thread. */
export function tryLockFast(i32: Int32Array, i: number): boolean {
  return Atomics.compareExchange(i32, i, 0, SELF) === 0;
}

/**
 * Whether this thread holds the word, exact for this thread, read with a plain load (an Atomics
 * call costs ~15 ns on Node 20; Value.value asks this twice per `v.value += 1`). Only this thread
 * puts SELF into the OWNER field or takes it out (a takeover replaces only a dead owner), and its
 * own writes are ordered before this read; other threads' compare-exchanges change other bits or
 * another owner, and a racing read returns the old or the new word (Int32 accesses never tear),
 * either of which gives the same answer.
 */
export function heldBySelf(i32: Int32Array, i: number): boolean {
  return (i32[i] & OWNER_MASK) === SELF;
}

/** The thread id (not +1) of the holder, or -1 if the word is free. Racy: stale as soon as read. */
export function ownerThread(i32: Int32Array, i: number): number {
  return (Atomics.load(i32, i) & OWNER_MASK) - 1;
}

/**
 * One attempt without waiting, used by tryAcquire: takes a free (not RESERVED) word, or takes
 * over from a dead owner. Returns ACQUIRED, TIMED_OUT (busy) or the dead owner's thread id.
 */
export function tryLockOnce(i32: Int32Array, i: number): number {
  for (;;) {
    const v = Atomics.load(i32, i);
    const owner = v & OWNER_MASK;
    if (v === 0) {
      if (Atomics.compareExchange(i32, i, 0, SELF) === 0) return ACQUIRED;
    } else if (owner !== 0 && isThreadDead(owner - 1)) {
      if (Atomics.compareExchange(i32, i, v, SELF | (v & RESERVED)) === v) return owner - 1;
    } else {
      return TIMED_OUT;
    }
  }
}

/** Bookkeeping of one slow-path acquire. */
class Attempt {
  readonly start = performance.now();
  readonly deadline: number;
  /** Has parked at least once: may take a RESERVED word, and marks PARKED when it takes one. */
  parked = false;
  starving = false;
  spins: number;
  parkOn = 0;
  parkUntil = 0;
  /** A synchronous waiter naps (see NAP_FIRST_MS) until it starves; an async one parks at once. */
  readonly naps: boolean;
  /** Length of the next nap (ms); doubles after each. */
  nap = NAP_FIRST_MS;
  constructor(deadline: number, naps: boolean, spins: number) {
    this.deadline = deadline;
    this.naps = naps;
    // A deadline already past is a try-once call (timeout 0): spinning would only delay its "no".
    this.spins = deadline <= this.start ? 0 : spins;
  }
}

/**
 * Decides the next move: ACQUIRED, a dead owner's id (taken over), TIMED_OUT, NAP (sleep until
 * a.parkUntil, nothing published), or PARK (with a.parkOn / a.parkUntil set, PARKED and maybe
 * STARVING already published in the word).
 */
function step(i32: Int32Array, i: number, a: Attempt): number {
  for (;;) {
    const v = Atomics.load(i32, i);
    const owner = v & OWNER_MASK;
    if (owner === 0) {
      if ((v & STARVING) === 0 || a.parked) {
        // A waiter that has slept keeps PARKED set: others may still sleep (Drepper's mutex 3).
        if (Atomics.compareExchange(i32, i, v, SELF | (a.parked ? PARKED : v & PARKED)) === v) return ACQUIRED;
        continue;
      }
    } else if (isThreadDead(owner - 1)) {
      // Take over in the same CAS that removes the dead owner; flags stay for the waiters.
      if (Atomics.compareExchange(i32, i, v, SELF | (v & RESERVED)) === v) return owner - 1;
      continue;
    }
    if (a.spins > 0) {
      a.spins--;
      if (spinWhileEqual(i32, i, v, SPIN_CHUNK)) continue;
      a.spins = 0; // a whole chunk with no change: the holder is not about to let go
    }
    const now = performance.now();
    if (now >= a.deadline) return TIMED_OUT;
    if (!a.starving && now - a.start >= STARVATION_MS) a.starving = true;
    if (a.naps && !a.starving && owner !== 0) {
      a.parkUntil = Math.min(a.deadline, a.start + STARVATION_MS, now + a.nap);
      a.nap *= 2;
      return NAP;
    }
    const want = v | PARKED | (a.starving ? STARVING : 0);
    if (want !== v && Atomics.compareExchange(i32, i, v, want) !== v) continue;
    a.parkOn = want;
    a.parkUntil = Math.min(a.deadline, now + ROBUST_POLL_MS);
    return PARK;
  }
}

function woke(a: Attempt): void {
  a.parked = true;
  a.spins = SPIN_ROUNDS;
}

/**
 * Leaves without the lock (timeout, abort, error). Withdraws our STARVING claim, so a RESERVED word
 * cannot outlive its last claimant, and passes on a wake-up we may have swallowed: if release woke
 * us and we leave, the next sleeper must be woken or it would sleep while the lock is free.
 */
function leave(i32: Int32Array, i: number, a: Attempt): void {
  if (a.starving) {
    for (;;) {
      const v = Atomics.load(i32, i);
      if ((v & STARVING) === 0) break;
      const next = (v & OWNER_MASK) === 0 ? 0 : v & ~STARVING;
      if (Atomics.compareExchange(i32, i, v, next) === v) break;
    }
  }
  if (a.parked && (Atomics.load(i32, i) & OWNER_MASK) === 0) Atomics.notify(i32, i, 1);
}

/**
 * Contention back-off of a synchronous acquire without a deadline, before it starts an Attempt
 * (which reads the clock, ~60 ns on Node 20, and parks). The waiter probes the word with one load,
 * then leaves the cache line alone for a delay that doubles from BACKOFF_FIRST to BACKOFF_CAP
 * rounds of register work (~0.4 µs to ~5 µs here; JavaScript has no pause instruction on Node 20),
 * for at most BACKOFF_BUDGET_MS once at the cap, and then parks as before.
 *
 * Why not spin on loads: every load of a waiter pulls the line holding the word (and, in a Value,
 * the value) out of the holder's cache, so each of the holder's next writes waits for the line to
 * come back, ~0.1 µs apiece. Two threads hammering a short critical section then hand the lock over
 * on almost every operation and run at a third of one thread's speed (measured: 4-7M ops/s against
 * 10-12M for one thread alone). Backing off lets the releasing thread take the word again from its
 * own cache, so ownership runs long and a probe costs the holder one line transfer per microseconds
 * of work (Anderson, "The Performance of Spin Lock Alternatives for Shared-Memory Multiprocessors",
 * 1990: exponential back-off for test-and-test-and-set). The delays hold no memory traffic at all,
 * so a holder that was preempted loses nothing to them but the budget's core time, bounded.
 *
 * Fairness is unchanged: probes take only a plain free word (0), as the fast path does, so a
 * RESERVED (starvation hand-over) word is never taken by them; a waiter that loses every probe
 * parks when the budget runs out and from then on is covered by STARVATION_MS (its Attempt starts
 * then, so the barging bound becomes STARVATION_MS plus this phase, ~0.1 ms).
 */
const BACKOFF_FIRST = 64;
const BACKOFF_CAP = 1024;
const BACKOFF_BUDGET_MS = 0.05;
/** Where the back-off's register work goes, so no compiler can drop it as dead. */
let backoffSink = 0;

function backoff(rounds: number): void {
  let s = backoffSink;
  for (let j = 0; j < rounds; j++) s = (s * 31 + j) | 0;
  backoffSink = s;
}

/** The back-off phase: true once this thread holds the word, false when the budget ran out. */
function acquireWithBackoff(i32: Int32Array, i: number): boolean {
  let delay = BACKOFF_FIRST;
  let capStart = -1;
  for (;;) {
    backoff(delay);
    const v = Atomics.load(i32, i);
    if (v === 0) {
      if (Atomics.compareExchange(i32, i, 0, SELF) === 0) return true;
    } else if ((v & OWNER_MASK) === 0 || isThreadDead((v & OWNER_MASK) - 1)) {
      return false; // RESERVED, or a dead owner to take over from: the Attempt's business
    }
    if (delay < BACKOFF_CAP) {
      delay *= 2;
    } else {
      const now = performance.now();
      if (capStart < 0) capStart = now;
      else if (now - capStart >= BACKOFF_BUDGET_MS) return false;
    }
  }
}

/** Slow path of a synchronous acquire (the fast CAS failed); `deadline` on performance.now()'s clock. */
export function lockSlowSync(i32: Int32Array, i: number, deadline: number): number {
  const backedOff = deadline === Infinity;
  if (backedOff && acquireWithBackoff(i32, i)) return ACQUIRED;
  // After the back-off the holder is known to be busy: spinning again would only slow it down.
  const a = new Attempt(deadline, true, backedOff ? 0 : SPIN_ROUNDS);
  for (;;) {
    const r = step(i32, i, a);
    if (r === NAP) {
      Atomics.wait(napWord, 0, 0, Math.max(0, a.parkUntil - performance.now()));
      continue;
    }
    if (r !== PARK) {
      if (r === TIMED_OUT) leave(i32, i, a);
      return r;
    }
    Atomics.wait(i32, i, a.parkOn, Math.max(0, a.parkUntil - performance.now()));
    woke(a);
  }
}

/** Slow path of an asynchronous acquire: parks a promise, never the thread. */
export async function lockSlowAsync(
  i32: Int32Array,
  i: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const a = new Attempt(deadline, false, SPIN_ROUNDS);
  try {
    for (;;) {
      const r = step(i32, i, a);
      if (r !== PARK) {
        if (r === TIMED_OUT) leave(i32, i, a);
        return r;
      }
      await parkAsync(i32, i, a.parkOn, a.parkUntil, signal);
      woke(a);
    }
  } catch (e) {
    leave(i32, i, a); // aborted while waiting: the word stays consistent, we hold nothing
    throw e;
  }
}

/**
 * Releases the word whoever holds it. Returns false (and changes nothing) if it is not held.
 * The owner's own uncontended release is the caller's one-CAS fast path; this is the rest.
 */
export function unlockSlow(i32: Int32Array, i: number): boolean {
  for (;;) {
    const v = Atomics.load(i32, i);
    if ((v & OWNER_MASK) === 0) return false;
    const next = (v & STARVING) !== 0 ? RESERVED : 0;
    if (Atomics.compareExchange(i32, i, v, next) === v) {
      if ((v & PARKED) !== 0) Atomics.notify(i32, i, 1);
      return true;
    }
  }
}

/** Releases a word this thread holds, uncontended: one CAS. */
export function unlockFast(i32: Int32Array, i: number): boolean {
  return Atomics.compareExchange(i32, i, SELF, 0) === SELF;
}
