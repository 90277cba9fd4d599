/**
 * Barrier's raw state machine (the typed wrapper is barrier.ts): Python's `threading.Barrier` as a
 * lock-free state machine on one shared word.
 *
 * Layout (BARRIER_BYTE_LENGTH = 152 bytes, BARRIER_ALIGNMENT = 8), from the object's byteOffset:
 *
 *   byte  0  Int32    STATE     bits 0..27  count: parties inside wait() (arrived, not yet left)
 *                               bits 28..30 phase: FILLING 0 | DRAINING 1 | RESETTING 2
 *                                                  | BROKEN 3 | ACTION 4
 *   byte  4  Int32    PARTIES   number of parties, 1..BARRIER_MAX_PARTIES (written once)
 *   byte  8  Int32    FLAGS     bit 0 HAS_ACTION: the barrier was created with an action
 *   byte 12  -        (padding)
 *   byte 16  Float64  TIMEOUT   default timeout of wait(), ms; Infinity = none (written once)
 *   byte 24  Int32[BARRIER_SLOTS]  INSIDE: INSIDE[i] = thread id + 1 of the party that arrived with
 *                               index i and has not left yet, 0 = none (barriers of up to
 *                               BARRIER_SLOTS parties; larger ones do not track who is inside)
 *
 *   Waiters park on STATE itself; every phase change that someone waits for notifies it.
 *   All-zero memory is not a Barrier (it has no parties): construct one, then share it.
 *
 * The state machine is CPython's (Lib/threading.py, class Barrier: `_state` 0 filling, 1 draining,
 * -1 resetting, -2 broken; `_count`; `_enter`, `_release`, `_wait`, `_exit`, `reset`, `_break`),
 * with its Condition(Lock()) replaced by compare-exchange on one word holding both `_state` and
 * `_count`. CPython runs the action while holding the barrier's lock, so nobody can observe or
 * change the state meanwhile; here that window is the explicit ACTION phase, which every other
 * operation treats as CPython's serialisation would:
 *  - an arrival during ACTION waits as during DRAINING (CPython: blocked on the lock, then drains);
 *  - a waiter's timeout cannot break the barrier during ACTION (CPython: the timed-out waiter
 *    re-checks its predicate only once it gets the lock back, after the release, and succeeds);
 *  - reset() during ACTION changes nothing (CPython: it runs after the release, sees draining with
 *    parties inside, and leaves the state alone);
 *  - abort() during ACTION breaks at once; the action's thread still returns its index and the
 *    others get BrokenBarrierError (CPython: the abort runs right after the release, before the
 *    woken waiters re-check).
 * Why no lock at all (rather than sabkit's Lock): abort() and reset() never block, so they are safe
 * on a main thread; a thread that dies inside wait() cannot leave a lock held; and one CAS per
 * arrival and per departure is the whole cost.
 *
 * Dead parties: a thread that dies inside the barrier (while waiting, inside the action, or after
 * the release but before it left) would count for ever as a party inside, so the barrier could
 * never drain, refill or pass again. Each party writes its thread id in INSIDE[index] after it
 * arrives and clears it after it leaves; everyone waiting on the barrier (inside it, or arriving
 * while it drains) wakes every ROBUST_POLL_MS and, when the count of parties inside exceeds the
 * live threads in INSIDE and one of them is dead (liveness.ts), breaks the barrier with the dead
 * taken out of the count (`breakIfDead`): the survivors get BrokenBarrierError, and reset() works
 * again. A party killed between its compare-exchange and its INSIDE store shows only as a count
 * larger than INSIDE; that too breaks it, but only once the same state has lasted a whole poll (a
 * live party is between those two steps for a few instructions). Barriers of more than
 * BARRIER_SLOTS parties keep CPython's behaviour: a dead party is a party that never leaves.
 *
 * Layout: docs/layouts/barrier.md
 */
import { BrokenBarrierError } from '../errors.js';
import { isThreadDead } from '../runtime/liveness.js';
import { ROBUST_POLL_MS, SELF } from './lock-core.js';
import type { SharedDescriptor } from '../runtime/shared.js';
import { parkSync, spinWhileEqual } from '../runtime/wait.js';

/** Parties whose presence a Barrier tracks (INSIDE words). */
export const BARRIER_SLOTS = 32;
/** Int32 index of INSIDE[0]. */
export const BARRIER_INSIDE = 6;
/** Bytes a Barrier occupies. */
export const BARRIER_BYTE_LENGTH = 24 + 4 * BARRIER_SLOTS;
/** Required alignment of a Barrier's byteOffset (for the Float64 timeout). */
export const BARRIER_ALIGNMENT = 8;
/** Int32 index of the state word (phase and count). */
export const BARRIER_STATE = 0;
/** Int32 index of the number of parties. */
export const BARRIER_PARTIES = 1;
/** Int32 index of the flags word. */
export const BARRIER_FLAGS = 2;
/** Byte offset of the Float64 default timeout. */
export const BARRIER_TIMEOUT_BYTE = 16;
/** FLAGS bit: the barrier was created with an action, so every waiting thread must supply one. */
export const BARRIER_HAS_ACTION = 1;
/** Bits of STATE holding the count. */
export const BARRIER_COUNT_MASK = 0x0fffffff;
/** Shift of the phase in STATE. */
export const BARRIER_PHASE_SHIFT = 28;
/** Largest number of parties (the count field's range). */
export const BARRIER_MAX_PARTIES = BARRIER_COUNT_MASK;
/** Phases (CPython's `_state`: 0, 1, -1, -2; ACTION is CPython's "lock held by the action"). */
export const FILLING = 0;
export const DRAINING = 1;
export const RESETTING = 2;
export const BROKEN = 3;
export const ACTION = 4;

export const BARRIER_KIND = 'Barrier';

/**
 * The action a Barrier runs in the last arriving thread of each generation, synchronously (also
 * from waitAsync); a returned promise is not awaited.
 */
export type BarrierAction = () => void;

/** A serialised Barrier (what structured clone makes of one). */
export interface BarrierDescriptor extends SharedDescriptor {
  readonly __sabkit: 'Barrier';
}

export const phaseOf = (w: number): number => (w >>> BARRIER_PHASE_SHIFT) & 7;
export const countOf = (w: number): number => w & BARRIER_COUNT_MASK;
export const stateWord = (phase: number, count: number): number => (phase << BARRIER_PHASE_SHIFT) | count;

// ---- The raw state machine: non-blocking steps on the STATE word. -------------------------------
// A step that would have to wait returns ~w (negative, since STATE's bit 31 is always 0): the
// caller parks while STATE === w, then repeats the step. Parking is the caller's, sync or async.

/** CPython `_enter` plus the arrival: returns the arrival index, or ~w to park on. */
export function enterStep(i32: Int32Array, parties: number): number {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    if (phase === BROKEN) throw new BrokenBarrierError();
    if (phase !== FILLING) return ~w; // draining, resetting or in the action: wait until filling
    const index = countOf(w);
    // The last arrival would release a generation that counts a dead party as arrived: break it
    // instead (the dead one would never leave, and the next generation would be one short).
    if (index + 1 === parties && index > 0 && deadInside(i32, parties) && breakIfDead(i32, parties, { suspect: -1 })) {
      w = Atomics.load(i32, BARRIER_STATE);
      continue;
    }
    const next = stateWord(index + 1 === parties ? ACTION : FILLING, index + 1);
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, next);
    if (seen === w) return index;
    w = seen;
  }
}

/** Sets `phase` keeping the count, if `from(phase)` allows it; wakes everyone on a change. */
export function transition(i32: Int32Array, from: (phase: number) => boolean, phase: number): boolean {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    if (!from(phaseOf(w))) return false;
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(phase, countOf(w)));
    if (seen === w) {
      Atomics.notify(i32, BARRIER_STATE);
      return true;
    }
    w = seen;
  }
}

export const isAction = (p: number) => p === ACTION;
export const always = () => true;
export const isWaitingPhase = (p: number) => p === FILLING || p === ACTION;

/** Outcomes of releaseStep. */
export const RELEASED = 0;
export const BROKEN_OUT = 1;
export const TIMED_OUT = 2;

/** CPython `_wait`: RELEASED, BROKEN_OUT, TIMED_OUT (this waiter broke it), or ~w to park on. */
export function releaseStep(i32: Int32Array, expired: boolean): number {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    if (phase === DRAINING) return RELEASED;
    if (phase === BROKEN || phase === RESETTING) return BROKEN_OUT;
    if (phase === ACTION || !expired) return ~w;
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(BROKEN, countOf(w)));
    if (seen === w) {
      Atomics.notify(i32, BARRIER_STATE);
      return TIMED_OUT;
    }
    w = seen; // released or broken meanwhile: CPython re-checks the predicate after the timeout too
  }
}

/** Records this thread in INSIDE[index] once it has arrived with `index`. */
export function arrived(i32: Int32Array, index: number): void {
  if (index < BARRIER_SLOTS) Atomics.store(i32, BARRIER_INSIDE + index, SELF);
}

/**
 * CPython's `_count -= 1; _exit()`: the last to leave a drain or reset refills the barrier. Then
 * INSIDE[index] is cleared (after: a stale entry only makes breakIfDead count one more live party).
 */
export function leave(i32: Int32Array, index: number): void {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    if (countOf(w) === 0) break; // taken out already by breakIfDead (a double fault): nothing to do
    const count = countOf(w) - 1;
    const refill = count === 0 && (phase === DRAINING || phase === RESETTING);
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(refill ? FILLING : phase, count));
    if (seen === w) {
      if (refill) Atomics.notify(i32, BARRIER_STATE);
      break;
    }
    w = seen;
  }
  if (index < BARRIER_SLOTS) Atomics.compareExchange(i32, BARRIER_INSIDE + index, SELF, 0);
}

/** Whether INSIDE names a dead thread (a barrier of more than BARRIER_SLOTS parties: never). */
function deadInside(i32: Int32Array, parties: number): boolean {
  if (parties > BARRIER_SLOTS) return false;
  for (let i = 0; i < parties; i++) {
    const id = Atomics.load(i32, BARRIER_INSIDE + i);
    if (id !== 0 && isThreadDead(id - 1)) return true;
  }
  return false;
}

/** What breakIfDead remembers between two polls of one waiter. */
export interface DeadWatch {
  /** STATE when a count larger than INSIDE was first seen with no dead thread in INSIDE, else -1. */
  suspect: number;
}

/**
 * Called by a waiter at each poll: if parties inside are missing from INSIDE and one is a dead
 * thread (or the same shortfall has lasted since the previous poll, with STATE unchanged), takes
 * them out of the count and breaks the barrier (a RESETTING barrier refills instead, as its last
 * party would). Returns true if it changed STATE.
 */
export function breakIfDead(i32: Int32Array, parties: number, watch: DeadWatch): boolean {
  if (parties > BARRIER_SLOTS) return false;
  const w = Atomics.load(i32, BARRIER_STATE);
  const count = countOf(w);
  if (count === 0) return false;
  let live = 0;
  let dead = false;
  for (let i = 0; i < parties; i++) {
    const id = Atomics.load(i32, BARRIER_INSIDE + i);
    if (id === 0) continue;
    if (isThreadDead(id - 1)) dead = true;
    else live++;
  }
  if (live >= count) {
    watch.suspect = -1;
    return false;
  }
  if (!dead && watch.suspect !== w) {
    watch.suspect = w; // maybe a live party between its two steps: look again at the next poll
    return false;
  }
  const phase = phaseOf(w);
  const next = phase === RESETTING ? (live === 0 ? FILLING : RESETTING) : BROKEN;
  if (Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(next, live)) !== w) return false;
  for (let i = 0; i < parties; i++) {
    const id = Atomics.load(i32, BARRIER_INSIDE + i);
    if (id !== 0 && isThreadDead(id - 1)) Atomics.compareExchange(i32, BARRIER_INSIDE + i, id, 0);
  }
  Atomics.notify(i32, BARRIER_STATE);
  watch.suspect = -1;
  return true;
}

/** CPython `reset`: waiters inside get BrokenBarrierError; the last one out refills. */
export function resetStep(i32: Int32Array): void {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    const count = countOf(w);
    const next = count === 0 ? FILLING : phase === FILLING || phase === BROKEN ? RESETTING : phase;
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(next, count));
    if (seen === w) break;
    w = seen;
  }
  Atomics.notify(i32, BARRIER_STATE);
}

/** Parks while STATE === w, until `deadline` but at most ROBUST_POLL_MS, then looks for dead parties. */
export function parkSpin(i32: Int32Array, w: number, deadline: number, parties: number, watch: DeadWatch): void {
  if (spinWhileEqual(i32, BARRIER_STATE, w)) return;
  if (parkSync(i32, BARRIER_STATE, w, Math.min(deadline, performance.now() + ROBUST_POLL_MS)) === 'timed-out')
    breakIfDead(i32, parties, watch);
}
